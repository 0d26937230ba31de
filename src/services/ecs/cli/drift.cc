#include "services/ecs/cli/drift.h"

#include <ctime>
#include <iomanip>
#include <map>
#include <ostream>
#include <sstream>

#include "image/image_ref.h"
#include "services/ecs/cli/api_client.h"
#include "services/kit/input.h"

namespace nimbus::ecs::cli {
namespace {

constexpr char kEcs[] = "AmazonEC2ContainerServiceV20141113";
constexpr char kEcr[] = "AmazonEC2ContainerRegistry_V20150921";
constexpr char kUsage[] = "usage: nimbus ecs drift [--cluster CLUSTER] [--output text|json]";

std::string Iso(double seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string Short(const std::string& digest) { return digest.substr(0, 7 + 12); }

// Every page of a List* call's `key` list.
Result<std::vector<std::string>> ListAll(const ApiTarget& t, const std::string& op, Value in,
                                         const char* key) {
  std::vector<std::string> out;
  for (;;) {
    auto page = CallJson(t, "ecs", kEcs, op, in);
    if (!page.ok()) return page.error();
    for (const Value& v : page->value(key, Value::array())) out.push_back(v.get<std::string>());
    std::string next = Str(*page, "nextToken");
    if (next.empty()) return out;
    in["nextToken"] = next;
  }
}

// The hosts nimbus's registry answers to, as the endpoint names it.
std::vector<std::string> NimbusHosts(const std::string& endpoint) {
  std::string authority = endpoint.substr(endpoint.find("//") + 2);
  authority = authority.substr(0, authority.find('/'));
  std::vector<std::string> hosts = {authority};
  size_t colon = authority.rfind(':');
  if (colon != std::string::npos) {
    std::string port = authority.substr(colon);
    for (const char* h : {"localhost", "127.0.0.1"}) hosts.push_back(h + port);
  }
  return hosts;
}

// What each image's tag names now, asked once per image.
class TagLookup {
 public:
  explicit TagLookup(const ApiTarget& t) : target_(t), hosts_(NimbusHosts(t.endpoint)) {}

  std::optional<TagNow> operator()(const std::string& image) {
    auto it = cache_.find(image);
    if (it == cache_.end()) it = cache_.emplace(image, Ask(image)).first;
    return it->second;
  }

 private:
  std::optional<TagNow> Ask(const std::string& image) {
    auto ref = image::ParseImageRef(image, hosts_);
    if (!ref.ok() || ref->kind == image::ImageRef::Kind::kRemote) return std::nullopt;
    if (!ref->digest.empty() || ref->tag.empty()) return std::nullopt;
    ApiTarget t = target_;
    Value in = {{"repositoryName", ref->repository},
                {"imageIds", Value::array({{{"imageTag", ref->tag}}})}};
    if (ref->kind == image::ImageRef::Kind::kEcr) {
      t.region = ref->region;
      in["registryId"] = ref->account;
    }
    auto images = CallJson(t, "ecr", kEcr, "DescribeImages", in);
    if (!images.ok() || images->value("imageDetails", Value::array()).empty()) {
      return std::nullopt;
    }
    const Value& d = (*images)["imageDetails"][0];
    return TagNow{Str(d, "imageDigest"), d.value("imagePushedAt", 0.0)};
  }

  ApiTarget target_;
  std::vector<std::string> hosts_;
  std::map<std::string, std::optional<TagNow>> cache_;
};

void PrintText(const std::vector<DriftRow>& rows, std::ostream& out) {
  if (rows.empty()) {
    out << "No drift: every service container runs the digest its tag names now.\n";
    return;
  }
  std::vector<std::vector<std::string>> table = {
      {"CLUSTER", "SERVICE", "CONTAINER", "IMAGE", "RUNNING", "CURRENT", "PUSHED", "TASKS"}};
  for (const DriftRow& r : rows) {
    table.push_back({r.cluster, r.service, r.container, r.image, Short(r.running_digest),
                     Short(r.current_digest), Iso(r.pushed_at), std::to_string(r.tasks.size())});
  }
  std::vector<size_t> width(table[0].size(), 0);
  for (const auto& line : table) {
    for (size_t i = 0; i < line.size(); ++i) width[i] = std::max(width[i], line[i].size());
  }
  for (const auto& line : table) {
    for (size_t i = 0; i < line.size(); ++i) {
      out << line[i];
      if (i + 1 < line.size()) out << std::string(width[i] - line[i].size() + 2, ' ');
    }
    out << "\n";
  }
}

void PrintJson(const std::vector<DriftRow>& rows, std::ostream& out) {
  Value list = Value::array();
  for (const DriftRow& r : rows) {
    list.push_back({{"cluster", r.cluster},
                    {"service", r.service},
                    {"container", r.container},
                    {"image", r.image},
                    {"runningDigest", r.running_digest},
                    {"currentDigest", r.current_digest},
                    {"currentPushedAt", Iso(r.pushed_at)},
                    {"tasks", r.tasks}});
  }
  out << Value{{"drift", list}}.dump(2) << "\n";
}

}  // namespace

std::vector<DriftRow> FindDrift(
    const std::string& cluster, const std::string& service, const Value& tasks,
    const std::function<std::optional<TagNow>(const std::string&)>& current) {
  std::vector<DriftRow> rows;
  std::map<std::string, size_t> index;  // container + running digest -> row
  for (const Value& task : tasks) {
    std::string arn = Str(task, "taskArn");
    std::string id = arn.substr(arn.rfind('/') + 1);
    for (const Value& c : task.value("containers", Value::array())) {
      std::string running = Str(c, "imageDigest");
      if (running.empty()) continue;  // not started (yet)
      auto now = current(Str(c, "image"));
      if (!now || now->digest.empty() || now->digest == running) continue;
      std::string key = Str(c, "name") + "\n" + running;
      auto [it, fresh] = index.emplace(key, rows.size());
      if (fresh) {
        rows.push_back(DriftRow{cluster,
                                service,
                                Str(c, "name"),
                                Str(c, "image"),
                                running,
                                now->digest,
                                now->pushed_at,
                                {}});
      }
      rows[it->second].tasks.push_back(id);
    }
  }
  return rows;
}

int RunDrift(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  ApiTarget target = ApiTargetFromEnvironment();
  std::vector<std::string> clusters;
  std::string format = "text";
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    bool has_value = i + 1 < args.size();
    if (a == "--cluster" && has_value) {
      clusters.push_back(args[++i]);
    } else if (a == "--output" && has_value && (args[i + 1] == "text" || args[i + 1] == "json")) {
      format = args[++i];
    } else if (a == "--endpoint-url" && has_value) {
      target.endpoint = args[++i];
    } else if (a == "--region" && has_value) {
      target.region = args[++i];
    } else {
      err << "nimbus: ecs drift: unexpected argument '" << a << "' (" << kUsage << ")\n";
      return 2;
    }
  }
  auto fail = [&](const Status& st) {
    err << "nimbus: ecs drift: " << st.message() << "\n";
    return 1;
  };
  if (clusters.empty()) {
    auto arns = ListAll(target, "ListClusters", Value::object(), "clusterArns");
    if (!arns.ok()) return fail(arns.error());
    for (const std::string& arn : *arns) clusters.push_back(arn.substr(arn.rfind('/') + 1));
  }
  TagLookup lookup(target);
  std::vector<DriftRow> rows;
  for (const std::string& cluster : clusters) {
    auto services = ListAll(target, "ListServices", {{"cluster", cluster}}, "serviceArns");
    if (!services.ok()) return fail(services.error());
    for (const std::string& arn : *services) {
      std::string name = arn.substr(arn.rfind('/') + 1);
      auto ids =
          ListAll(target, "ListTasks", {{"cluster", cluster}, {"serviceName", name}}, "taskArns");
      if (!ids.ok()) return fail(ids.error());
      for (size_t i = 0; i < ids->size(); i += 100) {
        Value batch = Value::array();
        for (size_t j = i; j < ids->size() && j < i + 100; ++j) batch.push_back((*ids)[j]);
        auto described = CallJson(target, "ecs", kEcs, "DescribeTasks",
                                  {{"cluster", cluster}, {"tasks", batch}});
        if (!described.ok()) return fail(described.error());
        auto found = FindDrift(cluster, name, (*described)["tasks"],
                               [&](const std::string& image) { return lookup(image); });
        rows.insert(rows.end(), found.begin(), found.end());
      }
    }
  }
  if (format == "json") {
    PrintJson(rows, out);
  } else {
    PrintText(rows, out);
  }
  return 0;
}

}  // namespace nimbus::ecs::cli
