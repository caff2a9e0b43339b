#include "core/preflight.hpp"

#include <algorithm>
#include <set>

#include "core/rehearsal_step.hpp"
#include "core/vendor_name.hpp"

namespace planb::core {

namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& item : items) {
    text += (text.empty() ? "" : ", ") + item;
  }
  return text;
}

class Rules {
 public:
  explicit Rules(const PreflightInputs& in) : in_(in) {
    for (const PreflightProvider& p : in.providers) {
      providers_[p.name] = &p;
    }
    for (const PreflightTarget& t : in.targets) {
      target_vendor_[t.name] = t.vendor;
    }
  }

  std::vector<PreflightFinding> run() {
    for (const PreflightProviderZone& pz : in_.provider_zones) {
      reads(pz);
    }
    for (const PreflightRecord& r : in_.records) {
      ttls(r);
    }
    for (const PreflightZone& z : in_.zones) {
      rehearsals(z);
      delegation(z);
      sharedFate(z);
    }
    dependencies();
    std::stable_sort(out_.begin(), out_.end(), [](const auto& a, const auto& b) {
      return a.severity == PreflightSeverity::Blocker && b.severity != PreflightSeverity::Blocker;
    });
    return std::move(out_);
  }

 private:
  void add(PreflightSeverity severity, std::string record, std::string zone, std::string provider,
           std::string what, std::string fix) {
    out_.push_back({severity, std::move(record), std::move(zone), std::move(provider),
                    std::move(what), std::move(fix)});
  }

  // Credentials refused, a provider that does not answer, another type at a managed name, a
  // record absent.
  void reads(const PreflightProviderZone& pz) {
    if (pz.read_error) {
      if (pz.credentials_refused) {
        add(PreflightSeverity::Blocker, "", pz.zone, pz.provider,
            "provider " + pz.provider + " refused planb's credentials reading zone " + pz.zone +
                ": " + *pz.read_error,
            "renew provider " + pz.provider + "'s credentials and their permission on zone " +
                pz.zone + ", then run preflight again");
      } else {
        add(PreflightSeverity::Blocker, "", pz.zone, pz.provider,
            "provider " + pz.provider + " could not be read for zone " + pz.zone + ": " +
                *pz.read_error,
            "make provider " + pz.provider +
                " reachable from this host (endpoint, firewall, ca_file), then run preflight "
                "again");
      }
    } else {
      for (const PreflightRecord& r : in_.records) {
        auto it = r.zone == pz.zone ? pz.served.find(r.name) : pz.served.end();
        if (it == pz.served.end()) {
          continue;
        }
        const PreflightServed& served = it->second;
        if (served.kind == PreflightServed::Kind::Conflict) {
          add(PreflightSeverity::Blocker, r.name, pz.zone, pz.provider,
              "provider " + pz.provider + " serves a " + served.conflict_type + " record at " +
                  r.name + ", not a CNAME: planb never overwrites it",
              "delete the " + served.conflict_type + " record at " + r.name + " on " + pz.provider +
                  " (planb writes the CNAME)");
        } else if (served.kind == PreflightServed::Kind::Absent) {
          add(PreflightSeverity::Warning, r.name, pz.zone, pz.provider,
              "provider " + pz.provider + " serves no record at " + r.name +
                  ": the next write (a failover) creates it",
              "let planbd write it (it does once every target has a verdict), or create the "
              "CNAME on " +
                  pz.provider);
        }
      }
    }
    // A provider that could not be read fails to name its name servers for the same reason.
    if (pz.name_servers_error && !pz.read_error) {
      add(PreflightSeverity::Warning, "", pz.zone, pz.provider,
          "provider " + pz.provider + " did not name its name servers for zone " + pz.zone + ": " +
              *pz.name_servers_error,
          "check provider " + pz.provider + "'s permission to read zone " + pz.zone);
    }
  }

  // A TTL below a provider's minimum: written as the minimum, so a failover takes longer to be
  // seen than configured.
  void ttls(const PreflightRecord& r) {
    const PreflightZone* zone = zoneNamed(r.zone);
    if (zone == nullptr) {
      return;
    }
    for (const std::string& name : zone->providers) {
      std::uint32_t minimum = 0;
      std::string source;
      if (auto p = providers_.find(name); p != providers_.end() && r.ttl < p->second->min_ttl) {
        minimum = p->second->min_ttl;
        source = "its documented minimum";
      }
      if (auto raised = r.raised_ttl.find(name);
          raised != r.raised_ttl.end() && raised->second > std::max(minimum, r.ttl)) {
        minimum = raised->second;
        source = "the minimum it answered with at run time";
      }
      if (minimum != 0) {
        add(PreflightSeverity::Warning, r.name, r.zone, name,
            "ttl " + std::to_string(r.ttl) + " of " + r.name + " is below provider " + name +
                "'s minimum " + std::to_string(minimum) + " (" + source + "): planb writes " +
                std::to_string(minimum) + ", so a failover is seen later than configured",
            "set ttl = " + std::to_string(minimum) + " on record " + r.name + ", or move zone " +
                r.zone + " to a provider plan that accepts " + std::to_string(r.ttl));
      }
    }
  }

  void rehearsals(const PreflightZone& z) {
    for (const std::string& provider : z.providers) {
      auto it = in_.rehearsals.find({z.name, provider});
      std::string again = "planbctl rehearse --zone " + z.name + " --provider " + provider;
      if (it == in_.rehearsals.end()) {
        add(PreflightSeverity::Warning, "", z.name, provider,
            "provider " + provider + " has never been rehearsed for zone " + z.name +
                (in_.rehearsals_enabled ? "" : " (rehearsals are off)"),
            "run `" + again + "`" +
                (in_.rehearsals_enabled ? "" : " and set [rehearsal] interval above 0s"));
      } else if (!it->second.passed) {
        const RehearsalRecord& last = it->second;
        add(PreflightSeverity::Blocker, "", z.name, provider,
            "the last rehearsal of provider " + provider + " for zone " + z.name + " failed" +
                (last.failed_step ? " at " + std::string(nameOf(*last.failed_step)) : "") +
                (last.error.empty() ? "" : ": " + last.error),
            "fix what it names, then run `" + again + "`");
      }
    }
  }

  void delegation(const PreflightZone& z) {
    if (!z.delegation) {
      add(PreflightSeverity::Warning, "", z.name, "",
          "the delegation of zone " + z.name + " could not be read" +
              (z.delegation_source.empty() ? "" : " from " + z.delegation_source) + ": " +
              z.delegation_error,
          "set parent_servers on zone " + z.name +
              " to servers of its parent zone, or check [daemon] resolvers");
      return;
    }
    std::set<std::string> delegated(z.delegation->begin(), z.delegation->end());
    for (const PreflightProviderZone& pz : in_.provider_zones) {
      if (pz.zone != z.name || pz.name_servers.empty()) {
        continue;
      }
      std::vector<std::string> missing;
      for (const std::string& ns : pz.name_servers) {
        if (!delegated.count(ns)) {
          missing.push_back(ns);
        }
      }
      if (missing.empty()) {
        continue;
      }
      if (missing.size() == pz.name_servers.size()) {
        add(PreflightSeverity::Blocker, "", z.name, pz.provider,
            "none of provider " + pz.provider + "'s name servers (" + joined(missing) +
                ") is in the delegation of zone " + z.name + " (" + joined(*z.delegation) +
                "): no resolver asks it, so what planb writes there is never seen",
            "add " + joined(missing) + " to zone " + z.name +
                "'s NS set at the registrar, or remove " + pz.provider + " from the zone");
      } else {
        add(PreflightSeverity::Warning, "", z.name, pz.provider,
            "provider " + pz.provider + "'s name servers " + joined(missing) +
                " are not in the delegation of zone " + z.name + " (" + joined(*z.delegation) + ")",
            "add " + joined(missing) + " to zone " + z.name + "'s NS set at the registrar");
      }
    }
  }

  // Why provider P shares fate with VENDOR: it is the vendor's, or a dependency on its write path
  // (API host, credential source) is; empty when it does not.
  std::string sharedBy(const std::string& provider, const std::string& vendor) const {
    if (auto p = providers_.find(provider);
        p != providers_.end() && sameVendor(p->second->vendor, vendor)) {
      return "provider " + provider;
    }
    for (const PreflightDependency& d : in_.dependencies) {
      if (d.provider == provider && sameVendor(d.vendor, vendor)) {
        return "provider " + provider + "'s " + std::string(nameOf(d.kind)) + " " + d.what;
      }
    }
    return {};
  }

  // A target on the vendor the zone's write path depends on: when the vendor fails, the target
  // fails and so does the way to fail over away from it.
  void sharedFate(const PreflightZone& z) {
    std::map<std::string, std::vector<std::string>> records_by_target;
    for (const PreflightRecord& r : in_.records) {
      if (r.zone == z.name) {
        for (const std::string& t : r.targets) {
          records_by_target[t].push_back(r.name);
        }
      }
    }
    for (const auto& entry : records_by_target) {
      const std::string& target = entry.first;
      const std::vector<std::string>& records = entry.second;
      auto v = target_vendor_.find(target);
      if (v == target_vendor_.end() || v->second.empty() || z.providers.empty()) {
        continue;
      }
      const std::string& vendor = v->second;
      std::vector<std::string> shared;
      for (const std::string& provider : z.providers) {
        if (std::string why = sharedBy(provider, vendor); !why.empty()) {
          shared.push_back(why);
        }
      }
      if (shared.empty()) {
        continue;
      }
      std::string which = records.size() == 1 ? "record " + records[0]
                                              : std::to_string(records.size()) + " records";
      std::string record = records.size() == 1 ? records[0] : "";
      if (shared.size() == z.providers.size()) {
        add(PreflightSeverity::Blocker, record, z.name, "",
            "target " + target + " (" + which + ") runs on vendor " + vendor +
                ", and so does every way to write zone " + z.name + " (" + joined(shared) +
                "): when " + vendor + " fails, no failover away from " + target + " can be written",
            "add a provider of zone " + z.name + " that does not depend on " + vendor);
      } else {
        add(PreflightSeverity::Warning, record, z.name, "",
            "target " + target + " (" + which + ") runs on vendor " + vendor + ", as does " +
                joined(shared) + ": when " + vendor +
                " fails, the failover is written only through zone " + z.name +
                "'s other providers",
            "keep zone " + z.name + "'s other providers in its delegation and rehearsed");
      }
    }
  }

  // planbd's own dependencies: names it could only resolve from the saved addresses, and those
  // on a vendor that a target runs on.
  void dependencies() {
    std::map<std::string, std::vector<std::string>> targets_by_vendor;
    for (const PreflightTarget& t : in_.targets) {
      if (!t.vendor.empty()) {
        targets_by_vendor[canonicalVendor(t.vendor)].push_back(t.name);
      }
    }
    std::size_t etcd_members = 0;
    std::map<std::string, std::size_t> etcd_by_vendor;
    for (const PreflightDependency& d : in_.dependencies) {
      if (d.kind == PreflightDependency::Kind::EtcdMember) {
        ++etcd_members;
        if (!d.vendor.empty()) {
          ++etcd_by_vendor[canonicalVendor(d.vendor)];
        }
      }
      if (!d.resolve_error.empty()) {
        if (d.from_saved) {
          add(PreflightSeverity::Warning, "", "", d.provider,
              "resolving " + d.what + " failed (" + d.resolve_error +
                  "): planbd uses the addresses it saved (" + joined(d.addresses) + ")",
              "check [daemon] resolvers: the saved addresses age while they cannot answer");
        } else {
          add(PreflightSeverity::Warning, "", "", d.provider,
              "resolving " + d.what + " failed (" + d.resolve_error +
                  ") and no addresses of it are saved",
              "check [daemon] resolvers and that " + d.what + " is the right host");
        }
      }
      if (d.kind == PreflightDependency::Kind::Resolver && !d.vendor.empty()) {
        auto t = targets_by_vendor.find(canonicalVendor(d.vendor));
        if (t != targets_by_vendor.end()) {
          add(PreflightSeverity::Warning, "", "", "",
              "resolver " + d.what + " is run by vendor " + d.vendor + ", as is target " +
                  joined(t->second) + ": when " + d.vendor +
                  " fails, planbd falls back to the addresses it saved",
              "add a resolver that " + d.vendor + " does not run to [daemon] resolvers");
        }
      }
    }
    for (const auto& entry : etcd_by_vendor) {
      auto t = targets_by_vendor.find(entry.first);
      if (t == targets_by_vendor.end()) {
        continue;
      }
      bool majority = entry.second * 2 > etcd_members;
      add(majority ? PreflightSeverity::Blocker : PreflightSeverity::Warning, "", "", "",
          std::to_string(entry.second) + " of " + std::to_string(etcd_members) +
              " etcd member(s) run on vendor " + entry.first + ", as does target " +
              joined(t->second) +
              (majority ? ": when it fails etcd loses its quorum and no fleet member may write"
                        : ""),
          "run etcd members on other vendors than " + entry.first);
    }
  }

  const PreflightZone* zoneNamed(const std::string& name) const {
    for (const PreflightZone& z : in_.zones) {
      if (z.name == name) {
        return &z;
      }
    }
    return nullptr;
  }

  const PreflightInputs& in_;
  std::map<std::string, const PreflightProvider*> providers_;
  std::map<std::string, std::string> target_vendor_;
  std::vector<PreflightFinding> out_;
};

}  // namespace

std::vector<PreflightFinding> preflight(const PreflightInputs& inputs) {
  return Rules(inputs).run();
}

std::string_view nameOf(PreflightSeverity severity) {
  return severity == PreflightSeverity::Blocker ? "blocker" : "warning";
}

std::string_view nameOf(PreflightDependency::Kind kind) {
  switch (kind) {
    case PreflightDependency::Kind::Resolver:
      return "resolver";
    case PreflightDependency::Kind::ApiHost:
      return "api_host";
    case PreflightDependency::Kind::EtcdMember:
      return "etcd_member";
    case PreflightDependency::Kind::CredentialSource:
      return "credential_source";
  }
  return "api_host";
}

}  // namespace planb::core
