#pragma once
// Multi-node clusters (issue 13). A cluster NAME of N nodes is N boxes named NAME.0 ... NAME.N-1
// (the dot keeps them apart from every box name a user can pick), each with its cluster and rank
// stored; node 0's private address is the job's MASTER_ADDR. Commands take NAME for the whole
// cluster and NAME:K (or NAME.K) for one node.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "state/box_store.hpp"

namespace gpubox::box {

// The most nodes `up --nodes` and `add` accept.
inline constexpr int k_max_nodes = 64;

// Return the stored name of node `rank` of cluster `cluster`: "train.1".
std::string node_name(std::string_view cluster, int rank);

// Check a stored box name: a box name (validate_name) or a node's CLUSTER.RANK.
Result<void> validate_box_name(std::string_view name);

// What a command's NAME argument names: a box or cluster `name`, or node `rank` of cluster `name`
// (written NAME:K or NAME.K).
struct BoxRef {
  std::string name;
  std::optional<int> rank;
};

// Parse a command's NAME argument; invalid_input when it is neither a name nor NAME:K.
Result<BoxRef> parse_box_ref(std::string_view text);

// Return how listings show `box`: "train:1" for a node, else its name.
std::string display_name(const state::Box& box);

// Return the boxes `ref` stands for in `store`: the box of that name, every node of the cluster
// of that name (ordered by rank), or the one node NAME:K. Empty when there is none.
Result<std::vector<state::Box>> resolve_boxes(state::BoxStore& store, std::string_view ref);

// Return the name of the stored box `ref` reaches over ssh: the box, node K for NAME:K, node 0
// for a cluster NAME; `ref` itself when nothing of that name is stored (the caller's lookup then
// says so).
Result<std::string> ssh_box_name(state::BoxStore& store, std::string_view ref);

}  // namespace gpubox::box
