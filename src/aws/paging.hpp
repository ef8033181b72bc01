#pragma once
// Follow NextToken pagination: fetch pages until the service returns no token.

#include <string>
#include <utility>

#include "core/error.hpp"

namespace gpubox::aws {

// The most pages one call follows before giving up (a guard against a service that loops).
inline constexpr int k_max_pages = 1000;

// Call `fetch(token)` from `first_token` until a page has an empty `next_token`; fold every later
// page into the first with `merge(all, page)`. Fail if a token repeats or k_max_pages is reached.
template <typename Page, typename Fetch, typename Merge>
Result<Page> collect_pages(const std::string& first_token, Fetch fetch, Merge merge) {
  Result<Page> first = fetch(first_token);
  if (!first) {
    return first;
  }
  Page all = std::move(*first);
  std::string previous = first_token;
  for (int pages = 1; !all.next_token.empty(); ++pages) {
    if (pages >= k_max_pages || all.next_token == previous) {
      return fail(ErrorKind::remote, "pagination did not end (NextToken " + all.next_token + ")");
    }
    previous = all.next_token;
    Result<Page> page = fetch(previous);
    if (!page) {
      return page;
    }
    all.next_token = std::move(page->next_token);
    merge(all, std::move(*page));
  }
  return all;
}

}  // namespace gpubox::aws

#include <iterator>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "aws/client.hpp"
#include "aws/service.hpp"

namespace gpubox::aws {

// One paginated Query/EC2 operation: how to build a page request, parse a page, and where its items
// are.
template <typename Input, typename Page, typename Item>
struct PagedQuery {
  const Service* service;
  std::string_view action;
  QueryParams (*build)(const Input&);
  Result<Page> (*parse)(std::string_view);
  std::vector<Item> Page::* items;
};

// One paginated JSON 1.1 operation, as PagedQuery.
template <typename Input, typename Page, typename Item>
struct PagedJson {
  const Service* service;
  std::string_view operation;
  nlohmann::json (*build)(const Input&);
  Result<Page> (*parse)(const nlohmann::json&);
  std::vector<Item> Page::* items;
};

// Append the items of `page` to those of `all`.
template <typename Page, typename Item>
void append_items(Page& all, Page& page, std::vector<Item> Page::* items) {
  auto& src = page.*items;
  (all.*items)
      .insert((all.*items).end(), std::make_move_iterator(src.begin()),
              std::make_move_iterator(src.end()));
}

// Run `op` for `in` in `region` from `in.next_token` on, following every page.
template <typename Input, typename Page, typename Item>
Result<Page> query_all_pages(AwsClient& client, std::string_view region,
                             const PagedQuery<Input, Page, Item>& op, const Input& in) {
  return collect_pages<Page>(
      in.next_token,
      [&](const std::string& token) -> Result<Page> {
        Input page_in = in;
        page_in.next_token = token;
        Result<std::string> xml = client.query(*op.service, region, op.action, op.build(page_in));
        if (!xml) {
          return fail(std::move(xml.error()));
        }
        return op.parse(*xml);
      },
      [&](Page& all, Page&& page) { append_items(all, page, op.items); });
}

// Run `op` for `in` in `region` from `in.next_token` on, following every page.
template <typename Input, typename Page, typename Item>
Result<Page> json_all_pages(AwsClient& client, std::string_view region,
                            const PagedJson<Input, Page, Item>& op, const Input& in) {
  return collect_pages<Page>(
      in.next_token,
      [&](const std::string& token) -> Result<Page> {
        Input page_in = in;
        page_in.next_token = token;
        Result<nlohmann::json> reply =
            client.json(*op.service, region, op.operation, op.build(page_in));
        if (!reply) {
          return fail(std::move(reply.error()));
        }
        return op.parse(*reply);
      },
      [&](Page& all, Page&& page) { append_items(all, page, op.items); });
}

}  // namespace gpubox::aws
