#pragma once
// How `gpubox up` shows its plan (--dry-run) and its result: text for people, one JSON object
// for scripts.

#include <string>

#include <nlohmann/json.hpp>

#include "box/launch/up.hpp"
#include "catalog/catalog.hpp"
#include "cli/env.hpp"

namespace gpubox::cli {

// Return one line naming the choice and its price, printed before launching.
std::string plan_summary(const box::UpPlan& plan, const catalog::Catalog& catalog);

// Return the plan as the JSON object --dry-run --json prints.
nlohmann::json plan_json(const box::UpPlan& plan, const catalog::Catalog& catalog);

// Return the plan as the lines `up` shows before it asks, and --dry-run prints: type, GPU,
// market, region and zones, $/h, disk $/month, auto-stop, firewall, key, quota.
std::string plan_text(const box::UpPlan& plan, const catalog::Catalog& catalog,
                      std::string_view title);

// Print the plan of a --dry-run to stdout.
void render_up_plan(Env& env, const box::UpPlan& plan, const catalog::Catalog& catalog, bool json);

// Print what `up` created and how to connect, stop and remove it; `ssh_alias` says whether
// `ssh NAME` works (the Include is in ~/.ssh/config).
void render_up_result(Env& env, const box::UpResult& result, const catalog::Catalog& catalog,
                      bool json, bool ssh_alias);

}  // namespace gpubox::cli
