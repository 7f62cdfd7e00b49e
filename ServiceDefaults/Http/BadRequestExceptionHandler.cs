using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Platform.ServiceDefaults.Http;

/// <summary>
/// Malformed input that ASP.NET Core rejects by exception (unbindable query values, bodies over the size limit,
/// unreadable JSON) is the client's fault: answer with its 4xx status and Problem Details, never a 500.
/// </summary>
internal sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }

        httpContext.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails =
            {
                Status = bad.StatusCode,
                Title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request body too large" : "Bad request",
                // The framework's message names the offending parameter and never echoes a secret value.
                Detail = bad.Message,
                Type = ProblemTypes.ForStatus(bad.StatusCode),
            },
        }).ConfigureAwait(false);
    }
}
