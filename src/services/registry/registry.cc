#include "services/registry/registry.h"

#include "services/ecr/ecr_service.h"
#include "services/lambda/lambda_service.h"
#include "services/logs/logs_service.h"
#include "services/sts/sts_service.h"

namespace nimbus {

const std::vector<ServiceFactory>& AllServices() {
  static const std::vector<ServiceFactory> kServices = {
      StsService(),
      logs::LogsService(),
      ecr::EcrService(),
      lambda::LambdaService(),
  };
  return kServices;
}

}  // namespace nimbus
