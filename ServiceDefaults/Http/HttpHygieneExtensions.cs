using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Platform.ServiceDefaults.Http;

public static class HttpHygieneExtensions
{
    /// <summary>Default maximum request body; endpoints that need less set their own lower limit.</summary>
    public const long DefaultMaxRequestBodyBytes = 1024 * 1024;

    public static TBuilder AddHttpHygiene<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = ProblemTypes.Stamp);
        builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
        builder.Services.AddExceptionHandler<DatabaseUnavailableExceptionHandler>();
        builder.Services.Configure<KestrelServerOptions>(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = DefaultMaxRequestBodyBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
        });
        builder.Services.Configure<FormOptions>(form => form.MultipartBodyLengthLimit = DefaultMaxRequestBodyBytes);
        return builder;
    }

    /// <summary>
    /// Exception handler, status-code pages, security headers and CORS for the endpoints that opt in
    /// (<see cref="PlatformCors"/>; every other endpoint sends no CORS header). Unhandled exceptions become a Problem
    /// Details body with no stack trace in every environment.
    /// </summary>
    public static WebApplication UseHttpHygiene(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.Use(static (context, next) =>
        {
            SecurityHeaders.Apply(context.Response.Headers, context.Request.IsHttps, context.Request.Path);
            return next(context);
        });
        // Before authentication, so a preflight (which carries no credential) is answered, not challenged.
        app.UseCors();
        return app;
    }
}
