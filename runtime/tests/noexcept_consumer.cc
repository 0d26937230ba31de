// Built with -fno-exceptions: proves the public headers need no exceptions.
#include "nimbus/lambda/runtime.h"

int main() {
  using nimbus::lambda::InvocationRequest;
  using nimbus::lambda::InvocationResponse;
  return nimbus::lambda::run_handler([](const InvocationRequest& request) {
    return InvocationResponse::success(request.payload);
  });
}
