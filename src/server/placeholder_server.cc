// placeholder; replaced when the module lands
namespace nimbus { void server_placeholder() {} }
