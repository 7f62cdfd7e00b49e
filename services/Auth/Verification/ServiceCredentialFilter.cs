using Platform.Authentication;

namespace Platform.Auth.Verification;

/// <summary>
/// Admits a call to an internal endpoint only with the platform's service credential (<see cref="ServiceCredential"/>).
/// Without a configured credential the endpoints stay open in Development (tests and local runs host Auth alone) and
/// refuse every call anywhere else: a deployment that forgot the secret fails closed and says why in its log.
/// </summary>
internal sealed partial class ServiceCredentialFilter(IConfiguration configuration, IHostEnvironment environment, ILogger<ServiceCredentialFilter> logger)
    : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var configured = configuration[ServiceCredential.ConfigurationKey];
        if (string.IsNullOrEmpty(configured))
        {
            if (environment.IsDevelopment())
            {
                return await next(context);
            }

            LogNotConfigured(logger, ServiceCredential.ConfigurationKey);
            return Refusal();
        }

        var http = context.HttpContext;
        if (!ServiceCredential.Matches(http.Request.Headers[ServiceCredential.HeaderName].ToString(), configured))
        {
            // Neither the presented value nor anything derived from it is logged.
            LogRefused(logger, http.Request.Path, http.Connection.RemoteIpAddress?.ToString());
            return Refusal();
        }

        return await next(context);
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Refusal() => TypedResults.Problem(
        statusCode: StatusCodes.Status401Unauthorized,
        title: "Service credential required",
        detail: $"This endpoint serves the platform's own services only; they present the service credential in {ServiceCredential.HeaderName}.");

    [LoggerMessage(Level = LogLevel.Error, Message = "{Setting} is not configured, so internal endpoints refuse every call; set the same service key on every platform service.")]
    private static partial void LogNotConfigured(ILogger logger, string setting);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a call to {Path} from {ClientIp} without a valid service credential.")]
    private static partial void LogRefused(ILogger logger, string path, string? clientIp);
}
