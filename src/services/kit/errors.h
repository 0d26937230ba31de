// Status (what stores and cores return) to AwsError (what the codec answers), written once.
// A service names its own exception codes; messages pass through. Pure.
#pragma once

#include <string>
#include <string_view>

#include "core/aws_error.h"
#include "core/status.h"

namespace nimbus {

// A service's exception codes for the Status codes a store returns.
struct StatusErrorCodes {
  std::string_view not_found;       // e.g. "ResourceNotFoundException"
  std::string_view already_exists;  // e.g. "ResourceAlreadyExistsException"
  std::string_view invalid;         // e.g. "InvalidParameterException"
  std::string_view internal;        // e.g. "ServiceUnavailableException" (500, server fault)
};

// A server-side failure: `code`, HTTP 500, the message of `st`.
inline AwsError InternalError(std::string_view code, const Status& st) {
  return AwsError(std::string(code), st.ToString(), 500, false);
}

// NotFound, AlreadyExists and InvalidArgument become the service's 400 codes with the status's
// message; anything else is InternalError(codes.internal, st).
inline AwsError ToAwsError(const Status& st, const StatusErrorCodes& codes) {
  switch (st.code()) {
    case StatusCode::kNotFound:
      return AwsError(std::string(codes.not_found), st.message());
    case StatusCode::kAlreadyExists:
      return AwsError(std::string(codes.already_exists), st.message());
    case StatusCode::kInvalidArgument:
      return AwsError(std::string(codes.invalid), st.message());
    default:
      return InternalError(codes.internal, st);
  }
}

}  // namespace nimbus
