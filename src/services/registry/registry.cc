#include "services/registry/registry.h"

#include "services/ecr/ecr_service.h"
#include "services/ecs/ecs_service.h"
#include "services/lambda/lambda_service.h"
#include "services/logs/logs_service.h"
#include "services/sns/sns_service.h"
#include "services/sqs/sqs_service.h"
#include "services/ssm/ssm_service.h"
#include "services/sts/sts_service.h"

namespace nimbus {

const std::vector<ServiceFactory>& AllServices() {
  static const std::vector<ServiceFactory> kServices = {
      // One service a line, in the order they are built.
      // clang-format off
      StsService(),
      logs::LogsService(),
      ecr::EcrService(),
      sqs::SqsService(),     // before Lambda: it uses ServiceLinks::sqs_reader and sqs_sender
      lambda::LambdaService(),
      ecs::EcsService(),
      sns::SnsService(),     // after SQS and Lambda (sqs_sender, lambda_invoker); sets sns_publisher
      ssm::SsmService(),     // after ECS: it uses ServiceLinks::ecs_exec
      // clang-format on
  };
  return kServices;
}

}  // namespace nimbus
