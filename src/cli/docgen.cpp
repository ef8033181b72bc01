#include "cli/docgen.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/paths.hpp"
#include "core/strings.hpp"

namespace gpubox::cli {
namespace {

using Apps = std::vector<const CLI::App*>;

Apps commands(const CLI::App& app) {
  return app.get_subcommands([](const CLI::App* s) { return !s->get_group().empty(); });
}

// Options a user can see: not hidden, not positional, not --help.
std::vector<const CLI::Option*> visible_options(const CLI::App& app) {
  return app.get_options([](const CLI::Option* o) {
    return !o->get_group().empty() && o->nonpositional() &&
           o->get_lnames() != std::vector<std::string>{"help"};
  });
}

std::vector<const CLI::Option*> positionals(const CLI::App& app) {
  return app.get_options(
      [](const CLI::Option* o) { return o->get_positional() && !o->nonpositional(); });
}

std::vector<std::string> option_words(const CLI::Option& o) {
  std::vector<std::string> out;
  for (const auto& s : o.get_snames()) {
    out.push_back("-" + s);
  }
  for (const auto& l : o.get_lnames()) {
    out.push_back("--" + l);
  }
  return out;
}

// roff: escape backslashes and dashes, and protect lines starting with '.' or '\''.
std::string roff(std::string_view text) {
  std::string out;
  bool line_start = true;
  for (char c : text) {
    if (line_start && (c == '.' || c == '\'')) {
      out += "\\&";
    }
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
    line_start = (c == '\n');
  }
  return out;
}

std::string man_page(const CLI::App& cmd, const std::string& full_name,
                     const std::string& version) {
  const std::string page = [&] {
    std::string p = full_name;
    std::ranges::replace(p, ' ', '-');
    return p;
  }();
  std::string out = fmt::format(".TH \"{}\" \"1\" \"\" \"gpubox {}\" \"gpubox manual\"\n",
                                to_upper(page), version);
  out += ".SH NAME\n" + roff(page) + " \\- " + roff(cmd.get_description()) + "\n";
  out += ".SH SYNOPSIS\n.B " + roff(full_name) + "\n";
  for (const auto* p : positionals(cmd)) {
    const std::string n = p->get_name(true);
    out += p->get_required() ? "\\fI" + roff(n) + "\\fR\n" : "[\\fI" + roff(n) + "\\fR]\n";
  }
  if (!visible_options(cmd).empty()) {
    out += "[\\fIOPTIONS\\fR]\n";
  }
  const Apps subs = commands(cmd);
  if (!subs.empty()) {
    out += "\\fICOMMAND\\fR\n";
  }
  if (!cmd.get_footer().empty()) {
    out += ".SH DESCRIPTION\n.nf\n" + roff(cmd.get_footer()) + "\n.fi\n";
  }
  if (!subs.empty()) {
    out += ".SH COMMANDS\n";
    for (const auto* s : subs) {
      out += ".TP\n.B " + roff(s->get_name()) + "\n" + roff(s->get_description()) + "\n";
    }
  }
  auto opts = visible_options(cmd);
  auto pos = positionals(cmd);
  if (!opts.empty() || !pos.empty()) {
    out += ".SH OPTIONS\n";
    for (const auto* p : pos) {
      out += ".TP\n.I " + roff(p->get_name(true)) + "\n" + roff(p->get_description()) + "\n";
    }
    for (const auto* o : opts) {
      std::string head;
      for (const auto& w : option_words(*o)) {
        head += (head.empty() ? "" : ", ") + std::string("\\fB") + roff(w) + "\\fR";
      }
      if (o->get_expected_max() != 0 && !o->get_type_name().empty()) {
        head += " \\fI" + roff(o->get_type_name()) + "\\fR";
      }
      std::string text = o->get_description();
      if (!o->get_default_str().empty() && o->get_expected_max() != 0) {
        text += " (default: " + o->get_default_str() + ")";
      }
      out += ".TP\n" + head + "\n" + roff(text) + "\n";
    }
  }
  out += ".SH SEE ALSO\n";
  out += page == "gpubox" ? ".BR gpubox\\-up (1), .BR gpubox\\-config (1)\n" : ".BR gpubox (1)\n";
  return out;
}

void man_pages(const CLI::App& app, const std::string& version,
               std::map<std::string, std::string>& files) {
  files["man/man1/gpubox.1"] = man_page(app, "gpubox", version);
  for (const auto* cmd : commands(app)) {
    files["man/man1/gpubox-" + cmd->get_name() + ".1"] =
        man_page(*cmd, "gpubox " + cmd->get_name(), version);
  }
}

std::string words_of(const CLI::App& cmd) {
  std::string out;
  for (const auto* s : commands(cmd)) {
    out += (out.empty() ? "" : " ") + s->get_name();
  }
  for (const auto* o : visible_options(cmd)) {
    for (const auto& w : option_words(*o)) {
      out += (out.empty() ? "" : " ") + w;
    }
  }
  return out;
}

std::string bash_completion(const CLI::App& app) {
  std::string cases;
  for (const auto* cmd : commands(app)) {
    cases += fmt::format("    {}) words=\"{}\" ;;\n", cmd->get_name(), words_of(*cmd));
  }
  return fmt::format(R"(# bash completion for gpubox (generated from its CLI definitions)
_gpubox() {{
  local cur=${{COMP_WORDS[COMP_CWORD]}} cmd="" words i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${{COMP_WORDS[i]}} in
      --profile|--region) ((i++)) ;;
      -*) ;;
      *) cmd=${{COMP_WORDS[i]}}; break ;;
    esac
  done
  case $cmd in
    "") words="{}" ;;
{}    *) words="" ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}}
complete -o default -F _gpubox gpubox
)",
                     words_of(app), cases);
}

std::string zsh_quote(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else if (c == '[' || c == ']' || c == ':') {
      out += '\\';
      out += c;
    } else {
      out += c;
    }
  }
  return out;
}

std::string zsh_completion(const CLI::App& app) {
  std::string list;
  for (const auto* cmd : commands(app)) {
    list += "    '" + cmd->get_name() + ":" + zsh_quote(cmd->get_description()) + "'\n";
  }
  std::string cases;
  for (const auto* cmd : commands(app)) {
    std::string args;
    for (const auto* sub : commands(*cmd)) {
      args += " '" + sub->get_name() + "'";
    }
    std::string specs = args.empty() ? "" : " '1:command:(" + args.substr(1) + ")'";
    for (const auto* o : visible_options(*cmd)) {
      const std::string value = o->get_expected_max() != 0 ? ":value:" : "";
      for (const auto& w : option_words(*o)) {
        specs += fmt::format(" '{}[{}]{}'", w, zsh_quote(o->get_description()), value);
      }
    }
    cases += "    " + cmd->get_name() + ") _arguments" + specs + " '*::arg:_default' ;;\n";
  }
  return "#compdef gpubox\n# zsh completion for gpubox (generated from its CLI definitions)\n"
         "_gpubox() {\n  local -a commands\n  commands=(\n" +
         list +
         "  )\n  if (( CURRENT == 2 )); then\n    _describe 'command' commands\n    return\n"
         "  fi\n  local cmd=$words[2]\n  shift words\n  (( CURRENT-- ))\n  case $cmd in\n" +
         cases + "  esac\n}\n_gpubox \"$@\"\n";
}

std::string fish_quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out + "'";
}

std::string fish_completion(const CLI::App& app) {
  std::string out = "# fish completion for gpubox (generated from its CLI definitions)\n";
  out += "complete -c gpubox -f\n";
  for (const auto* cmd : commands(app)) {
    out += "complete -c gpubox -n __fish_use_subcommand -a " + cmd->get_name() + " -d " +
           fish_quote(cmd->get_description()) + "\n";
  }
  for (const auto* cmd : commands(app)) {
    const std::string cond = "'__fish_seen_subcommand_from " + cmd->get_name() + "'";
    for (const auto* sub : commands(*cmd)) {
      out += "complete -c gpubox -n " + cond + " -a " + sub->get_name() + " -d " +
             fish_quote(sub->get_description()) + "\n";
    }
    for (const auto* o : visible_options(*cmd)) {
      std::string flags;
      for (const auto& s : o->get_snames()) {
        flags += " -s " + s;
      }
      for (const auto& l : o->get_lnames()) {
        flags += " -l " + l;
      }
      out += fmt::format("complete -c gpubox -n {}{}{} -d {}\n", cond, flags,
                         o->get_expected_max() != 0 ? " -r" : "", fish_quote(o->get_description()));
    }
  }
  return out;
}

}  // namespace

std::map<std::string, std::string> generate_docs(const CLI::App& app, const std::string& version) {
  std::map<std::string, std::string> files;
  man_pages(app, version, files);
  files["completions/gpubox.bash"] = bash_completion(app);
  files["completions/_gpubox"] = zsh_completion(app);
  files["completions/gpubox.fish"] = fish_completion(app);
  return files;
}

Result<void> write_docs(const CLI::App& app, const std::string& version,
                        const std::filesystem::path& dir) {
  for (const auto& [relative, text] : generate_docs(app, version)) {
    const auto path = dir / relative;
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
      return fail(ErrorKind::internal,
                  "cannot create " + path.parent_path().string() + ": " + ec.message());
    }
    GPUBOX_TRY(write_file_atomic(path, text, 0644));
  }
  return {};
}

}  // namespace gpubox::cli
