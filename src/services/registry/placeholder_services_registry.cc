// placeholder; replaced when the module lands
namespace nimbus { void services_registry_placeholder() {} }
