// placeholder; replaced when the module lands
namespace nimbus { void services_sts_placeholder() {} }
