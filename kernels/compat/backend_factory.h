#pragma once
// Forwarding header for the old name: app/, ui/ and tests/ui/ include "backend_factory.h". Remove once they
// include "backend/backend_factory.h".
#include "backend/backend_factory.h"
