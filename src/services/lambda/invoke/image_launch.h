// What a container-image function's execution environment runs: the image's root (read-only,
// Lambda's /tmp), its argv (ImageConfig's EntryPoint/Command over the image's ENTRYPOINT/CMD),
// environment and working directory. Used by launch.cc.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "sandbox/sandbox.h"
#include "services/lambda/function_registry.h"
#include "services/lambda/image_source.h"

namespace nimbus::lambda {

struct ImageLaunch {
  sandbox::ImageRootFs root;
  std::vector<std::string> entrypoint, cmd;  // as merged (argv is entrypoint + cmd)
  std::vector<std::string> argv;  // argv[0] absolute (found on the image's PATH when it is not)
  std::map<std::string, std::string> env;  // the image config's ENV
  std::string working_dir;                 // ImageConfig's, else the image's, else "/"
  std::string handler;                     // _HANDLER: the command's first word, or ""
};

// Prepares `fn`'s image (layers owned by image owner + `id_offset`) and works out how to start
// it. ENTRYPOINT and CMD merge as Docker merges them: an EntryPoint override drops the image's
// CMD; argv is the entry point followed by the command. Errors: NotFound when the image is no
// longer in the registry; FailedPrecondition "Launch error: ..." (Runtime.InvalidEntrypoint)
// when the image names nothing to run; the source's other errors. Blocking (see image_source.h).
Result<ImageLaunch> PrepareImageLaunch(FunctionImageSource& images, const FunctionSnapshot& fn,
                                       uid_t id_offset);

// AWS's Runtime.InvalidEntrypoint text for an image whose program cannot be started, from the
// sandbox's "execve <path>: <strerror>": "Launch error: fork/exec <path>: <reason> Entrypoint:
// [..] Cmd: [..] WorkingDir: [..]".
std::string ImageLaunchError(const std::string& exec_error, const ImageLaunch& launch);

}  // namespace nimbus::lambda
