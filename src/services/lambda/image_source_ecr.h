// FunctionImageSource over ECR's registry (ecr/api/image_reader.h) and the image cache
// (image/image_cache.h) that unpacks its layers: what lambda_provider.cc gives the control and
// data planes when ECR runs.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "services/lambda/image_source.h"

namespace nimbus::ecr {
class ImageReader;
}
namespace nimbus::image {
class ImageCache;
}

namespace nimbus::lambda {

// `nimbus_hosts`: the host[:port] names of nimbus's registry (its repositoryUri values); other
// registries are refused, as Lambda runs images from ECR only. Both pointers non-null.
std::shared_ptr<FunctionImageSource> MakeEcrImageSource(std::shared_ptr<ecr::ImageReader> registry,
                                                        std::shared_ptr<image::ImageCache> cache,
                                                        std::vector<std::string> nimbus_hosts);

}  // namespace nimbus::lambda
