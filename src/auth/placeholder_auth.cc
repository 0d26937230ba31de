// placeholder; replaced when the module lands
namespace nimbus { void auth_placeholder() {} }
