// Do the tensor cores multiply fp16 subnormals exactly? One warp runs one mma.sync m16n8k16
// (f16 inputs, f32 accumulation) whose A operand holds raw 16-bit patterns q and 16 q (q < 16),
// the fp16 subnormals q 2^-24 and 16 q 2^-24, as an int4 kernel would hand the integers over
// without a magic-number conversion; B holds small exact fp16 values. Prints the worst error
// against a double reference in units of 2^-24 and the outputs flushed to zero (log step 68).
//   nvcc -arch=sm_90 -o subnormal_mma_check scripts/subnormal_mma_check.cu && ./subnormal_mma_check
#include <cuda_fp16.h>

#include <cmath>
#include <cstdint>
#include <cstdio>

#include "../kernels/tc_int4/tc_int4_kernel.cuh"  // mma16816: the int4 kernels' mma

namespace {

__global__ void oneMma(const uint32_t* a, const uint32_t* b, float* d) {
    const int lane = threadIdx.x;
    const uint32_t fragment[4] = {a[lane * 4], a[lane * 4 + 1], a[lane * 4 + 2], a[lane * 4 + 3]};
    float acc[4] = {0, 0, 0, 0};
    q4::tc::mma16816(acc, fragment, b[lane * 2], b[lane * 2 + 1]);
    for (int i = 0; i < 4; ++i) d[lane * 4 + i] = acc[i];
}

uint32_t pack(uint16_t low, uint16_t high) { return uint32_t(low) | (uint32_t(high) << 16); }

}  // namespace

int main() {
    // A: 16 x 16, rows 0-7 the patterns q, rows 8-15 the patterns 16 q; values in units of 2^-24.
    uint16_t aBits[16][16], bBits[16][8];
    double aValue[16][16], bValue[16][8];
    for (int r = 0; r < 16; ++r)
        for (int c = 0; c < 16; ++c) {
            const int q = (r * 7 + c * 3) % 16;
            aBits[r][c] = uint16_t(r < 8 ? q : 16 * q);
            aValue[r][c] = aBits[r][c];
        }
    for (int r = 0; r < 16; ++r)
        for (int c = 0; c < 8; ++c) {
            const float v = float((r * 5 + c * 11) % 9) - 4.0f + 0.25f * float(c % 3);
            const __half h = __float2half(v);
            bBits[r][c] = *reinterpret_cast<const uint16_t*>(&h);
            bValue[r][c] = v;
        }
    // The PTX fragment layouts of m16n8k16: lane = 4 g + t.
    uint32_t a[32 * 4], b[32 * 2];
    for (int lane = 0; lane < 32; ++lane) {
        const int g = lane / 4, t = lane % 4;
        a[lane * 4 + 0] = pack(aBits[g][2 * t], aBits[g][2 * t + 1]);
        a[lane * 4 + 1] = pack(aBits[g + 8][2 * t], aBits[g + 8][2 * t + 1]);
        a[lane * 4 + 2] = pack(aBits[g][2 * t + 8], aBits[g][2 * t + 9]);
        a[lane * 4 + 3] = pack(aBits[g + 8][2 * t + 8], aBits[g + 8][2 * t + 9]);
        b[lane * 2 + 0] = pack(bBits[2 * t][g], bBits[2 * t + 1][g]);
        b[lane * 2 + 1] = pack(bBits[2 * t + 8][g], bBits[2 * t + 9][g]);
    }
    uint32_t *aDevice = nullptr, *bDevice = nullptr;
    float* dDevice = nullptr;
    float d[32 * 4];
    if (cudaMalloc(&aDevice, sizeof a) != cudaSuccess || cudaMalloc(&bDevice, sizeof b) != cudaSuccess ||
        cudaMalloc(&dDevice, sizeof d) != cudaSuccess) {
        std::printf("no device memory\n");
        return 1;
    }
    cudaMemcpy(aDevice, a, sizeof a, cudaMemcpyHostToDevice);
    cudaMemcpy(bDevice, b, sizeof b, cudaMemcpyHostToDevice);
    oneMma<<<1, 32>>>(aDevice, bDevice, dDevice);
    if (cudaMemcpy(d, dDevice, sizeof d, cudaMemcpyDeviceToHost) != cudaSuccess) {
        std::printf("the mma failed: %s\n", cudaGetErrorString(cudaGetLastError()));
        return 1;
    }
    double worst = 0;
    int flushed = 0;
    for (int lane = 0; lane < 32; ++lane)
        for (int i = 0; i < 4; ++i) {  // D fragment: rows g (d0, d1) and g + 8 (d2, d3), columns 2t, 2t + 1
            const int row = lane / 4 + (i >= 2 ? 8 : 0), column = 2 * (lane % 4) + (i & 1);
            double reference = 0;
            for (int k = 0; k < 16; ++k) reference += aValue[row][k] * bValue[k][column];
            const double got = double(d[lane * 4 + i]) * 16777216.0;
            if (got == 0 && reference != 0) ++flushed;
            worst = std::fmax(worst, std::fabs(got - reference));
        }
    std::printf("subnormal mma: worst abs error %g (units of 2^-24), flushed outputs %d -> %s\n", worst, flushed,
                worst < 1e-3 ? "EXACT" : "NOT EXACT");
    return worst < 1e-3 ? 0 : 1;
}
