#pragma once
// The factory of every CUDA kernel, declared from the one list (kernel_list.inc).
#include "cuda/gpu_kernel.h"

namespace q4 {

#define Q4_KERNEL(factory) KernelEntry factory();
#include "cuda/kernel_list.inc"
#undef Q4_KERNEL

}  // namespace q4
