#include "services/ecr/repo_store.h"

#include <map>

namespace nimbus::ecr {
namespace {

using store::Row;

const store::Migration kMigrations[] = {
    {1, "create ecr tables",
     "CREATE TABLE ecr_repos ("
     " account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,"
     " created_ms INTEGER NOT NULL, mutability TEXT NOT NULL, scan_on_push INTEGER NOT NULL,"
     " encryption TEXT NOT NULL, kms_key TEXT NOT NULL, lifecycle TEXT,"
     " lifecycle_eval_ms INTEGER NOT NULL DEFAULT 0, tags TEXT NOT NULL,"
     " PRIMARY KEY (account, region, name)) WITHOUT ROWID;"
     "CREATE TABLE ecr_images ("
     " account TEXT NOT NULL, region TEXT NOT NULL, repo TEXT NOT NULL, digest TEXT NOT NULL,"
     " media_type TEXT NOT NULL, artifact_type TEXT NOT NULL, subject TEXT NOT NULL,"
     " size INTEGER NOT NULL, pushed_ms INTEGER NOT NULL, pulled_ms INTEGER NOT NULL,"
     " annotations TEXT NOT NULL,"
     " PRIMARY KEY (account, region, repo, digest),"
     " FOREIGN KEY (account, region, repo) REFERENCES ecr_repos(account, region, name)"
     "   ON DELETE CASCADE) WITHOUT ROWID;"
     "CREATE INDEX ecr_images_digest ON ecr_images(digest);"
     "CREATE INDEX ecr_images_subject ON ecr_images(account, region, repo, subject);"
     "CREATE TABLE ecr_tags ("
     " account TEXT NOT NULL, region TEXT NOT NULL, repo TEXT NOT NULL, tag TEXT NOT NULL,"
     " digest TEXT NOT NULL, PRIMARY KEY (account, region, repo, tag),"
     " FOREIGN KEY (account, region, repo, digest)"
     "   REFERENCES ecr_images(account, region, repo, digest) ON DELETE CASCADE) WITHOUT ROWID;"
     "CREATE INDEX ecr_tags_digest ON ecr_tags(account, region, repo, digest);"
     "CREATE TABLE ecr_refs ("
     " account TEXT NOT NULL, region TEXT NOT NULL, repo TEXT NOT NULL, image TEXT NOT NULL,"
     " ref TEXT NOT NULL, manifest INTEGER NOT NULL,"
     " PRIMARY KEY (account, region, repo, image, ref),"
     " FOREIGN KEY (account, region, repo, image)"
     "   REFERENCES ecr_images(account, region, repo, digest) ON DELETE CASCADE) WITHOUT ROWID;"
     "CREATE INDEX ecr_refs_ref ON ecr_refs(account, region, repo, ref);"
     "CREATE TABLE ecr_links ("
     " account TEXT NOT NULL, region TEXT NOT NULL, repo TEXT NOT NULL, digest TEXT NOT NULL,"
     " size INTEGER NOT NULL, linked_ms INTEGER NOT NULL,"
     " PRIMARY KEY (account, region, repo, digest),"
     " FOREIGN KEY (account, region, repo) REFERENCES ecr_repos(account, region, name)"
     "   ON DELETE CASCADE) WITHOUT ROWID;"
     "CREATE INDEX ecr_links_digest ON ecr_links(digest);"
     "CREATE TABLE ecr_tokens ("
     " token TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,"
     " expires_ms INTEGER NOT NULL) WITHOUT ROWID;"},
};

Status Done(const Result<int64_t>& r) { return r.ok() ? Status::Ok() : r.error(); }

RepoRow ReadRepo(const Row& row) {
  RepoRow r;
  r.name = row.Text(0);
  r.created_ms = row.Int(1);
  r.mutability = row.Text(2);
  r.scan_on_push = row.Int(3) != 0;
  r.encryption_type = row.Text(4);
  r.kms_key = row.Text(5);
  if (!row.IsNull(6)) r.lifecycle = row.Text(6);
  r.lifecycle_eval_ms = row.Int(7);
  r.tags_json = row.Text(8);
  return r;
}

constexpr std::string_view kRepoCols =
    "name, created_ms, mutability, scan_on_push, encryption, kms_key, lifecycle,"
    " lifecycle_eval_ms, tags";

ImageRow ReadImage(const Row& row) {
  ImageRow i;
  i.digest = row.Text(0);
  i.media_type = row.Text(1);
  i.artifact_type = row.Text(2);
  i.subject = row.Text(3);
  i.size = row.Int(4);
  i.pushed_ms = row.Int(5);
  i.pulled_ms = row.Int(6);
  i.annotations_json = row.Text(7);
  return i;
}

}  // namespace

Status RepoStore::Install(store::Database& db) { return db.Migrate("ecr", kMigrations); }

Status RepoStore::CreateRepo(const Scope& ns, const RepoRow& r) {
  auto res = db_.Exec(
      "INSERT INTO ecr_repos(account, region, name, created_ms, mutability, scan_on_push,"
      " encryption, kms_key, lifecycle, lifecycle_eval_ms, tags)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, 0, ?)",
      {ns.account, ns.region, r.name, r.created_ms, r.mutability, r.scan_on_push ? 1 : 0,
       r.encryption_type, r.kms_key, r.tags_json});
  if (!res.ok() && res.error().code() == StatusCode::kAlreadyExists) {
    return Status::AlreadyExists("repository " + r.name + " exists");
  }
  return Done(res);
}

Result<RepoRow> RepoStore::GetRepo(const Scope& ns, const std::string& name) {
  std::optional<RepoRow> out;
  Status st = db_.Query(std::string("SELECT ") + std::string(kRepoCols) +
                            " FROM ecr_repos WHERE account = ? AND region = ? AND name = ?",
                        {ns.account, ns.region, name}, [&](const Row& row) {
                          out = ReadRepo(row);
                          return false;
                        });
  if (!st.ok()) return st;
  if (!out) return Status::NotFound("repository " + name + " not found");
  return *out;
}

Result<std::vector<RepoRow>> RepoStore::ListRepos(const Scope& ns) {
  std::vector<RepoRow> out;
  Status st = db_.Query(std::string("SELECT ") + std::string(kRepoCols) +
                            " FROM ecr_repos WHERE account = ? AND region = ? ORDER BY name",
                        {ns.account, ns.region}, [&](const Row& row) {
                          out.push_back(ReadRepo(row));
                          return true;
                        });
  if (!st.ok()) return st;
  return out;
}

Status RepoStore::UpdateRepo(const Scope& ns, const RepoRow& r) {
  std::optional<std::string_view> lifecycle;
  if (r.lifecycle) lifecycle = *r.lifecycle;
  return Done(
      db_.Exec("UPDATE ecr_repos SET mutability = ?, scan_on_push = ?, encryption = ?, kms_key = ?,"
               " lifecycle = ?, lifecycle_eval_ms = ?, tags = ?"
               " WHERE account = ? AND region = ? AND name = ?",
               {r.mutability, r.scan_on_push ? 1 : 0, r.encryption_type, r.kms_key,
                lifecycle ? store::Param(*lifecycle) : store::Param(nullptr), r.lifecycle_eval_ms,
                r.tags_json, ns.account, ns.region, r.name}));
}

Status RepoStore::SetLifecycleEvaluated(const Scope& ns, const std::string& name, int64_t ms) {
  return Done(db_.Exec(
      "UPDATE ecr_repos SET lifecycle_eval_ms = ? WHERE account = ? AND region = ? AND name = ?",
      {ms, ns.account, ns.region, name}));
}

Status RepoStore::DeleteRepo(const Scope& ns, const std::string& name) {
  return Done(db_.Exec("DELETE FROM ecr_repos WHERE account = ? AND region = ? AND name = ?",
                       {ns.account, ns.region, name}));
}

constexpr std::string_view kImageCols =
    "digest, media_type, artifact_type, subject, size, pushed_ms, pulled_ms, annotations";

Status RepoStore::LoadTags(const Scope& ns, const std::string& repo,
                           std::vector<ImageRow>& images) {
  std::map<std::string, std::vector<std::string>> tags;
  Status st = db_.Query(
      "SELECT digest, tag FROM ecr_tags WHERE account = ? AND region = ? AND repo = ?"
      " ORDER BY tag",
      {ns.account, ns.region, repo}, [&](const Row& row) {
        tags[row.Text(0)].push_back(row.Text(1));
        return true;
      });
  if (!st.ok()) return st;
  for (auto& image : images) {
    auto it = tags.find(image.digest);
    if (it != tags.end()) image.tags = it->second;
  }
  return Status::Ok();
}

Result<std::vector<ImageRow>> RepoStore::ListImages(const Scope& ns, const std::string& repo) {
  std::vector<ImageRow> out;
  Status st = db_.Query(std::string("SELECT ") + std::string(kImageCols) +
                            " FROM ecr_images WHERE account = ? AND region = ? AND repo = ?"
                            " ORDER BY pushed_ms, digest",
                        {ns.account, ns.region, repo}, [&](const Row& row) {
                          out.push_back(ReadImage(row));
                          return true;
                        });
  if (!st.ok()) return st;
  NIMBUS_RETURN_IF_ERROR(LoadTags(ns, repo, out));
  return out;
}

Result<std::optional<ImageRow>> RepoStore::GetImage(const Scope& ns, const std::string& repo,
                                                    const std::string& digest) {
  std::vector<ImageRow> out;
  Status st =
      db_.Query(std::string("SELECT ") + std::string(kImageCols) +
                    " FROM ecr_images WHERE account = ? AND region = ? AND repo = ? AND digest = ?",
                {ns.account, ns.region, repo, digest}, [&](const Row& row) {
                  out.push_back(ReadImage(row));
                  return false;
                });
  if (!st.ok()) return st;
  if (out.empty()) return std::optional<ImageRow>();
  st = db_.Query(
      "SELECT tag FROM ecr_tags WHERE account = ? AND region = ? AND repo = ? AND digest = ?"
      " ORDER BY tag",
      {ns.account, ns.region, repo, digest}, [&](const Row& row) {
        out[0].tags.push_back(row.Text(0));
        return true;
      });
  if (!st.ok()) return st;
  return std::optional<ImageRow>(std::move(out[0]));
}

Result<std::optional<std::string>> RepoStore::ResolveTag(const Scope& ns, const std::string& repo,
                                                         const std::string& tag) {
  std::optional<std::string> out;
  Status st = db_.Query(
      "SELECT digest FROM ecr_tags WHERE account = ? AND region = ? AND repo = ? AND tag = ?",
      {ns.account, ns.region, repo, tag}, [&](const Row& row) {
        out = row.Text(0);
        return false;
      });
  if (!st.ok()) return st;
  return out;
}

Status RepoStore::InsertImage(const Scope& ns, const std::string& repo, const ImageRow& i,
                              const std::vector<ImageRef>& refs) {
  return db_.Transaction([&]() -> Status {
    auto n = db_.Exec(
        "INSERT OR IGNORE INTO ecr_images(account, region, repo, digest, media_type,"
        " artifact_type, subject, size, pushed_ms, pulled_ms, annotations)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)",
        {ns.account, ns.region, repo, i.digest, i.media_type, i.artifact_type, i.subject, i.size,
         i.pushed_ms, i.annotations_json});
    if (!n.ok()) return n.error();
    if (*n == 0) return Status::Ok();  // already there: keep its push time and references
    for (const auto& ref : refs) {
      NIMBUS_RETURN_IF_ERROR(Done(
          db_.Exec("INSERT OR IGNORE INTO ecr_refs(account, region, repo, image, ref, manifest)"
                   " VALUES (?, ?, ?, ?, ?, ?)",
                   {ns.account, ns.region, repo, i.digest, ref.digest, ref.manifest ? 1 : 0})));
    }
    return Status::Ok();
  });
}

Status RepoStore::SetTag(const Scope& ns, const std::string& repo, const std::string& tag,
                         const std::string& digest) {
  return Done(
      db_.Exec("INSERT INTO ecr_tags(account, region, repo, tag, digest) VALUES (?, ?, ?, ?, ?)"
               " ON CONFLICT(account, region, repo, tag) DO UPDATE SET digest = excluded.digest",
               {ns.account, ns.region, repo, tag, digest}));
}

Status RepoStore::DeleteTag(const Scope& ns, const std::string& repo, const std::string& tag) {
  return Done(
      db_.Exec("DELETE FROM ecr_tags WHERE account = ? AND region = ? AND repo = ? AND tag = ?",
               {ns.account, ns.region, repo, tag}));
}

Status RepoStore::DeleteImage(const Scope& ns, const std::string& repo, const std::string& digest) {
  return Done(db_.Exec(
      "DELETE FROM ecr_images WHERE account = ? AND region = ? AND repo = ? AND digest = ?",
      {ns.account, ns.region, repo, digest}));
}

Status RepoStore::TouchPull(const Scope& ns, const std::string& repo, const std::string& digest,
                            int64_t ms) {
  return Done(
      db_.Exec("UPDATE ecr_images SET pulled_ms = ? WHERE account = ? AND region = ? AND repo = ?"
               " AND digest = ? AND pulled_ms < ?",
               {ms, ns.account, ns.region, repo, digest, ms - 3600 * 1000}));
}

Result<std::vector<ImageRow>> RepoStore::Referrers(const Scope& ns, const std::string& repo,
                                                   const std::string& digest) {
  std::vector<ImageRow> out;
  Status st =
      db_.Query(std::string("SELECT ") + std::string(kImageCols) +
                    " FROM ecr_images WHERE account = ? AND region = ? AND repo = ? AND subject = ?"
                    " ORDER BY digest",
                {ns.account, ns.region, repo, digest}, [&](const Row& row) {
                  out.push_back(ReadImage(row));
                  return true;
                });
  if (!st.ok()) return st;
  return out;
}

Result<std::vector<ImageRef>> RepoStore::ImageRefs(const Scope& ns, const std::string& repo,
                                                   const std::string& digest) {
  std::vector<ImageRef> out;
  Status st = db_.Query(
      "SELECT ref, manifest FROM ecr_refs WHERE account = ? AND region = ? AND repo = ?"
      " AND image = ?",
      {ns.account, ns.region, repo, digest}, [&](const Row& row) {
        out.push_back({row.Text(0), row.Int(1) != 0});
        return true;
      });
  if (!st.ok()) return st;
  return out;
}

Result<bool> RepoStore::ReferencedInRepo(const Scope& ns, const std::string& repo,
                                         const std::string& digest) {
  bool found = false;
  Status st = db_.Query(
      "SELECT 1 FROM ecr_refs WHERE account = ? AND region = ? AND repo = ? AND ref = ? LIMIT 1",
      {ns.account, ns.region, repo, digest}, [&](const Row&) {
        found = true;
        return false;
      });
  if (!st.ok()) return st;
  return found;
}

Status RepoStore::Link(const Scope& ns, const std::string& repo, const std::string& digest,
                       int64_t size, int64_t now_ms) {
  return Done(
      db_.Exec("INSERT OR IGNORE INTO ecr_links(account, region, repo, digest, size, linked_ms)"
               " VALUES (?, ?, ?, ?, ?, ?)",
               {ns.account, ns.region, repo, digest, size, now_ms}));
}

Result<std::optional<int64_t>> RepoStore::LinkedSize(const Scope& ns, const std::string& repo,
                                                     const std::string& digest) {
  std::optional<int64_t> out;
  Status st = db_.Query(
      "SELECT size FROM ecr_links WHERE account = ? AND region = ? AND repo = ? AND digest = ?",
      {ns.account, ns.region, repo, digest}, [&](const Row& row) {
        out = row.Int(0);
        return false;
      });
  if (!st.ok()) return st;
  return out;
}

Status RepoStore::Unlink(const Scope& ns, const std::string& repo, const std::string& digest) {
  return Done(
      db_.Exec("DELETE FROM ecr_links WHERE account = ? AND region = ? AND repo = ? AND digest = ?",
               {ns.account, ns.region, repo, digest}));
}

Result<std::vector<std::string>> RepoStore::LinkedDigests(const Scope& ns,
                                                          const std::string& repo) {
  std::vector<std::string> out;
  Status st =
      db_.Query("SELECT digest FROM ecr_links WHERE account = ? AND region = ? AND repo = ?",
                {ns.account, ns.region, repo}, [&](const Row& row) {
                  out.push_back(row.Text(0));
                  return true;
                });
  if (!st.ok()) return st;
  return out;
}

Result<bool> RepoStore::DigestInUse(const std::string& digest) {
  bool found = false;
  auto hit = [&](const Row&) {
    found = true;
    return false;
  };
  NIMBUS_RETURN_IF_ERROR(
      db_.Query("SELECT 1 FROM ecr_links WHERE digest = ? LIMIT 1", {digest}, hit));
  if (found) return true;
  NIMBUS_RETURN_IF_ERROR(
      db_.Query("SELECT 1 FROM ecr_images WHERE digest = ? LIMIT 1", {digest}, hit));
  return found;
}

Status RepoStore::PutToken(const std::string& token, const Scope& ns, int64_t expires_ms) {
  NIMBUS_RETURN_IF_ERROR(Done(
      db_.Exec("DELETE FROM ecr_tokens WHERE expires_ms < ?", {expires_ms - 2 * 43200 * 1000})));
  return Done(
      db_.Exec("INSERT OR REPLACE INTO ecr_tokens(token, account, region, expires_ms)"
               " VALUES (?, ?, ?, ?)",
               {token, ns.account, ns.region, expires_ms}));
}

Result<std::optional<Scope>> RepoStore::LookupToken(const std::string& token, int64_t now_ms) {
  std::optional<Scope> out;
  Status st = db_.Query("SELECT account, region FROM ecr_tokens WHERE token = ? AND expires_ms > ?",
                        {token, now_ms}, [&](const Row& row) {
                          out = Scope{row.Text(0), row.Text(1)};
                          return false;
                        });
  if (!st.ok()) return st;
  return out;
}

}  // namespace nimbus::ecr
