// placeholder: replaced by the config loader
