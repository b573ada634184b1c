// libpng from the system (Debian `libpng-dev`), for PRIMAData's PNG encoder and decoder.
#include <png.h>
