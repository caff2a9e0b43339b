// placeholder: replaced by the probes
