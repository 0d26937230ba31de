// placeholder; replaced when the module lands
namespace nimbus { void sandbox_placeholder() {} }
