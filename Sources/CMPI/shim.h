// Open MPI from the system (Debian `libopenmpi-dev`), for PRIMADistributed. MPI's predefined handles are
// macros Swift cannot import; these inline functions hand them over.
#include <mpi.h>

static inline MPI_Comm prima_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype prima_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype prima_mpi_int64(void) { return MPI_INT64_T; }
static inline MPI_Op prima_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Errhandler prima_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline MPI_Request prima_mpi_request_null(void) { return MPI_REQUEST_NULL; }
static inline void *prima_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Status *prima_mpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
