#pragma once
// Marks small pure functions that CUDA code calls on the device too, without core/ including a
// CUDA header: nvcc sees __host__ __device__, a plain C++ compiler sees nothing.
#ifdef __CUDACC__
#define Q4_HOST_DEVICE __host__ __device__
#else
#define Q4_HOST_DEVICE
#endif
