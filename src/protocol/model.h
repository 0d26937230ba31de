// Placeholder: the protocol module replaces this with the service model API.
#pragma once
namespace nimbus { class OperationModel; class ServiceModel; }
