// placeholder; replaced when the module lands
namespace nimbus { void store_placeholder() {} }
