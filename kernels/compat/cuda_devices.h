#pragma once
// Forwarding header for the old name: app/, ui/ and tests/ui/ include "cuda_devices.h". Remove once they
// include "backend/cuda_devices.h".
#include "backend/cuda_devices.h"
