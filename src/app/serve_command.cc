// bankscore serve (issue 13): the command, over RunServe (bankscore/serve.h).
#include "bankscore/commands.h"
#include "bankscore/serve.h"

#include <stdexcept>

namespace bankscore {

int ServeCommand(const CommandContext& ctx, bool json_logs) {
  if (ctx.signals == nullptr) throw std::logic_error("bankscore serve needs a SignalWatcher");
  ServeOptions options;
  options.config_path = ctx.config_path;
  options.json_logs = json_logs;
  return RunServe(ctx.config, options, *ctx.signals, ctx.log);
}

}  // namespace bankscore
