// Internal to the sandbox module: clone3 whose child runs a function on a stack of its own, as
// posix_spawn does. Needed for CLONE_VM, where the child must not touch the parent's stack. No
// library headers: the sandbox's init program (built without libc) uses it too.
//
// Exactly one translation unit per executable expands NIMBUS_DEFINE_CLONE3_ON_STACK (the
// definition is assembly).
#pragma once

extern "C" {
// clone3(args, size). The child starts on args->stack (stack + stack_size, 16-byte aligned)
// and calls fn(arg), which must not return (the child exits with status 127 if it does). Returns
// the child's pid in the parent, or -errno; never returns in the child.
long nimbus_clone3_on_stack(void* args, unsigned long size, void (*fn)(void*), void* arg);
}

#if defined(__x86_64__)
#define NIMBUS_DEFINE_CLONE3_ON_STACK                                             \
  asm(".pushsection .text\n"                                                      \
      ".globl nimbus_clone3_on_stack\n"                                           \
      ".type nimbus_clone3_on_stack,@function\n"                                  \
      "nimbus_clone3_on_stack:\n"                                                 \
      "  mov %rdx, %r8\n"  /* fn: syscall keeps every register but rcx/r11/rax */ \
      "  mov %rcx, %r9\n"  /* arg */                                              \
      "  mov $435, %eax\n" /* __NR_clone3 */                                      \
      "  syscall\n"                                                               \
      "  test %rax, %rax\n"                                                       \
      "  jnz 1f\n"                                                                \
      "  xor %ebp, %ebp\n"                                                        \
      "  mov %r9, %rdi\n"                                                         \
      "  call *%r8\n"                                                             \
      "  mov $127, %edi\n"                                                        \
      "  mov $231, %eax\n" /* __NR_exit_group */                                  \
      "  syscall\n"                                                               \
      "1: ret\n"                                                                  \
      ".size nimbus_clone3_on_stack, .-nimbus_clone3_on_stack\n"                  \
      ".popsection\n")
#define NIMBUS_HAVE_CLONE3_ON_STACK 1
#elif defined(__aarch64__)
#define NIMBUS_DEFINE_CLONE3_ON_STACK                              \
  asm(".pushsection .text\n"                                       \
      ".globl nimbus_clone3_on_stack\n"                            \
      ".type nimbus_clone3_on_stack,%function\n"                   \
      "nimbus_clone3_on_stack:\n"                                  \
      "  mov x10, x2\n"  /* fn: svc keeps every register but x0 */ \
      "  mov x11, x3\n"  /* arg */                                 \
      "  mov x8, #435\n" /* __NR_clone3 */                         \
      "  svc #0\n"                                                 \
      "  cbnz x0, 1f\n"                                            \
      "  mov x29, xzr\n"                                           \
      "  mov x30, xzr\n"                                           \
      "  mov x0, x11\n"                                            \
      "  blr x10\n"                                                \
      "  mov x0, #127\n"                                           \
      "  mov x8, #94\n" /* __NR_exit_group */                      \
      "  svc #0\n"                                                 \
      "1: ret\n"                                                   \
      ".size nimbus_clone3_on_stack, .-nimbus_clone3_on_stack\n"   \
      ".popsection\n")
#define NIMBUS_HAVE_CLONE3_ON_STACK 1
#else
#define NIMBUS_DEFINE_CLONE3_ON_STACK
#define NIMBUS_HAVE_CLONE3_ON_STACK 0
#endif
