#include "state/box_store.hpp"

#include "core/crypto.hpp"
#include "state/schema.hpp"

namespace gpubox::state {

namespace {

constexpr std::string_view k_box_columns =
    "name, kind, region, zone, instance_id, instance_type, gpu_summary, state, public_ip, "
    "ssh_user, ssh_host, ssh_port, key_path, key_name, security_group_id, allow_from, ami_id, "
    "price_per_hour_usd, spot, disk_gb, created_at_ms, idle_minutes, max_hours, budget_usd, "
    "jupyter_token_path, host_key_pinned, cluster, node_index, private_ip";

// Bind every column of `box` in k_box_columns order, starting at parameter 1.
void bind_box(Statement& stmt, const Box& box) {
  stmt.bind(1, box.name).bind(2, to_string(box.kind)).bind(3, box.region).bind(4, box.zone);
  stmt.bind(5, box.instance_id).bind(6, box.instance_type).bind(7, box.gpu_summary);
  stmt.bind(8, box.state).bind(9, box.public_ip).bind(10, box.ssh_user).bind(11, box.ssh_host);
  stmt.bind(12, box.ssh_port).bind(13, box.key_path).bind(14, box.key_name);
  stmt.bind(15, box.security_group_id).bind(16, box.allow_from).bind(17, box.ami_id);
  stmt.bind(18, box.price_per_hour_usd).bind(19, box.spot).bind(20, box.disk_gb);
  stmt.bind(21, to_unix_ms(box.created_at)).bind(22, box.idle_minutes).bind(23, box.max_hours);
  stmt.bind(24, box.budget_usd).bind(25, box.jupyter_token_path).bind(26, box.host_key_pinned);
  stmt.bind(27, box.cluster).bind(28, box.node_index).bind(29, box.private_ip);
}

Box read_box(const Statement& s) {
  Box b;
  b.name = s.column_text(0);
  b.kind = s.column_text(1) == "byo" ? BoxKind::byo : BoxKind::aws;
  b.region = s.column_text(2);
  b.zone = s.column_text(3);
  b.instance_id = s.column_text(4);
  b.instance_type = s.column_text(5);
  b.gpu_summary = s.column_text(6);
  b.state = s.column_text(7);
  b.public_ip = s.column_text(8);
  b.ssh_user = s.column_text(9);
  b.ssh_host = s.column_text(10);
  b.ssh_port = static_cast<int>(s.column_int(11));
  b.key_path = s.column_text(12);
  b.key_name = s.column_text(13);
  b.security_group_id = s.column_text(14);
  b.allow_from = s.column_text(15);
  b.ami_id = s.column_text(16);
  b.price_per_hour_usd = s.column_double(17);
  b.spot = s.column_int(18) != 0;
  b.disk_gb = static_cast<int>(s.column_int(19));
  b.created_at = from_unix_ms(s.column_int(20));
  b.idle_minutes = static_cast<int>(s.column_int(21));
  b.max_hours = s.column_double(22);
  b.budget_usd = s.column_double(23);
  b.jupyter_token_path = s.column_text(24);
  b.host_key_pinned = s.column_int(25) != 0;
  b.cluster = s.column_text(26);
  b.node_index = static_cast<int>(s.column_int(27));
  b.private_ip = s.column_text(28);
  return b;
}

// Return every row `stmt` (a SELECT of k_box_columns) yields.
Result<std::vector<Box>> read_boxes(Statement& stmt) {
  std::vector<Box> boxes;
  while (true) {
    GPUBOX_TRY_ASSIGN(row, stmt.step());
    if (!row) {
      return boxes;
    }
    boxes.push_back(read_box(stmt));
  }
}

Error box_not_found(std::string_view name) {
  Error e;
  e.kind = ErrorKind::not_found;
  e.message = "no box named '" + std::string(name) + "'";
  e.hint = "run `gpubox ls` to see your boxes";
  return e;
}

}  // namespace

const char* to_string(BoxKind kind) { return kind == BoxKind::byo ? "byo" : "aws"; }

std::string new_client_token() { return "gpubox-" + hex_encode(random_bytes(16)); }

Result<BoxStore> BoxStore::migrated(Db db) {
  GPUBOX_TRY(db.migrate(schema_migrations()));
  return BoxStore(std::move(db));
}

Result<BoxStore> BoxStore::open(const std::filesystem::path& path) {
  GPUBOX_TRY_ASSIGN(db, Db::open(path));
  // A damaged page deep in the file would otherwise surface as a raw SQL error in the middle
  // of some later command; found here, the caller can move the store aside and rebuild it.
  GPUBOX_TRY(db.quick_check());
  return migrated(std::move(db));
}

Result<BoxStore> BoxStore::open_memory() {
  GPUBOX_TRY_ASSIGN(db, Db::open_memory());
  GPUBOX_TRY_ASSIGN(store, migrated(std::move(db)));
  store.m_memory = true;
  return store;
}

Result<void> BoxStore::insert_box(const Box& box) {
  GPUBOX_TRY_ASSIGN(tx, Transaction::begin(m_db));
  GPUBOX_TRY_ASSIGN(existing, find_box(box.name));
  if (existing) {
    auto e = fail(ErrorKind::conflict, "a box named '" + box.name + "' already exists");
    e.error().hint = "pick another name, or remove it first with `gpubox down " + box.name + "`";
    return e;
  }
  GPUBOX_TRY_ASSIGN(stmt, m_db.prepare("INSERT INTO boxes (" + std::string(k_box_columns) +
                                       ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
                                       "?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, "
                                       "?23, ?24, ?25, ?26, ?27, ?28, ?29)"));
  bind_box(stmt, box);
  GPUBOX_TRY(stmt.run());
  return tx.commit();
}

Result<void> BoxStore::update_box(const Box& box) {
  GPUBOX_TRY_ASSIGN(
      stmt, m_db.prepare("UPDATE boxes SET kind = ?2, region = ?3, zone = ?4, instance_id = ?5, "
                         "instance_type = ?6, gpu_summary = ?7, state = ?8, public_ip = ?9, "
                         "ssh_user = ?10, ssh_host = ?11, ssh_port = ?12, key_path = ?13, "
                         "key_name = ?14, security_group_id = ?15, allow_from = ?16, "
                         "ami_id = ?17, price_per_hour_usd = ?18, spot = ?19, disk_gb = ?20, "
                         "created_at_ms = ?21, idle_minutes = ?22, max_hours = ?23, "
                         "budget_usd = ?24, jupyter_token_path = ?25, host_key_pinned = ?26, "
                         "cluster = ?27, node_index = ?28, private_ip = ?29 WHERE name = ?1"));
  bind_box(stmt, box);
  GPUBOX_TRY(stmt.run());
  if (m_db.changes() == 0) {
    return fail(box_not_found(box.name));
  }
  return {};
}

Result<std::optional<Box>> BoxStore::find_box(std::string_view name) {
  GPUBOX_TRY_ASSIGN(
      stmt, m_db.prepare("SELECT " + std::string(k_box_columns) + " FROM boxes WHERE name = ?1"));
  stmt.bind(1, name);
  GPUBOX_TRY_ASSIGN(row, stmt.step());
  if (!row) {
    return std::optional<Box>{};
  }
  return std::optional<Box>{read_box(stmt)};
}

Result<Box> BoxStore::get_box(std::string_view name) {
  GPUBOX_TRY_ASSIGN(box, find_box(name));
  if (!box) {
    return fail(box_not_found(name));
  }
  return std::move(*box);
}

Result<std::vector<Box>> BoxStore::list_members(std::string_view cluster) {
  GPUBOX_TRY_ASSIGN(stmt, m_db.prepare("SELECT " + std::string(k_box_columns) +
                                       " FROM boxes WHERE cluster = ?1 AND cluster != '' "
                                       "ORDER BY node_index"));
  stmt.bind(1, cluster);
  return read_boxes(stmt);
}

Result<std::vector<Box>> BoxStore::list_boxes() {
  GPUBOX_TRY_ASSIGN(
      stmt, m_db.prepare("SELECT " + std::string(k_box_columns) + " FROM boxes ORDER BY name"));
  return read_boxes(stmt);
}

Result<void> BoxStore::remove_box(std::string_view name) {
  GPUBOX_TRY_ASSIGN(tx, Transaction::begin(m_db));
  GPUBOX_TRY_ASSIGN(del, m_db.prepare("DELETE FROM boxes WHERE name = ?1"));
  del.bind(1, name);
  GPUBOX_TRY(del.run());
  if (m_db.changes() == 0) {
    return fail(box_not_found(name));
  }
  GPUBOX_TRY_ASSIGN(end, m_db.prepare("UPDATE launch_records SET status = 'ended' "
                                      "WHERE name = ?1 AND status IN ('pending', 'launched')"));
  end.bind(1, name);
  GPUBOX_TRY(end.run());
  return tx.commit();
}

}  // namespace gpubox::state
