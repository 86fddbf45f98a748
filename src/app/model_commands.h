// Internal: what `train` does with the registry (model/registry.h) around training, shared by the
// train command and the `models` commands in model_commands.cc.
#pragma once

#include <optional>

#include "bankscore/commands.h"
#include "model/bundle.h"
#include "model/registry.h"

namespace bankscore {

// Moves a bundle of the layout before versions into versions/, saying so on ctx.out.
void MigrateLegacyModel(const CommandContext& ctx, ModelRegistry& registry);

// The current version, for the trainer to score the new model's test rows with; nullopt when
// there is none or it cannot be loaded (logged: the new model then has nothing to be compared
// with).
std::optional<ModelBundle> LoadCurrentForComparison(const CommandContext& ctx,
                                                    const ModelRegistry& registry);

// Keeps a newly trained model as a version (or finds the identical one already kept), makes it
// current if the quality gate lets it, and says what happened in one line each. Returns 0, or
// kExitNotPromoted when it stays a candidate.
int KeepTrainedModel(const CommandContext& ctx, ModelRegistry& registry, ModelBundle bundle,
                     bool force_promote);

}  // namespace bankscore
