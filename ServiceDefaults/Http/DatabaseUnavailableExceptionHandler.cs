using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;
using Platform.ServiceDefaults.Storage;

namespace Platform.ServiceDefaults.Http;

/// <summary>
/// A request that failed because PostgreSQL is unreachable (restarting, failing over) is worth retrying shortly, so it
/// gets 503 with <c>Retry-After</c>, not the 500 that means a bug; the service's <see cref="DatabaseAvailability"/>
/// learns of the outage at the same time.
/// </summary>
internal sealed class DatabaseUnavailableExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!DatabaseAvailability.IsUnavailableError(exception))
        {
            return false;
        }

        httpContext.RequestServices.GetService<DatabaseAvailability>()?.ReportFailure(exception);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers[HeaderNames.RetryAfter] = DatabaseAvailability.RetryAfterHeaderValue;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = ProblemTypes.Create(StatusCodes.Status503ServiceUnavailable, "Service Unavailable",
                "The database is unreachable right now; retry later.", ProblemTypes.Unavailable),
        }).ConfigureAwait(false);
    }
}
