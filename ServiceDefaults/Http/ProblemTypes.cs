using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Platform.ServiceDefaults.Http;

/// <summary>
/// Stable Problem Details <c>type</c> URIs. Clients switch on these, so they never change once published.
/// </summary>
public static class ProblemTypes
{
    // URNs rather than URLs: stable identifiers that promise no web page. docs/errors.md lists them.
    private const string Base = "urn:platform:problem:";

    public const string Validation = Base + "validation";
    public const string NotFound = Base + "not-found";
    public const string Conflict = Base + "conflict";
    public const string Unauthorized = Base + "unauthorized";
    public const string Forbidden = Base + "forbidden";
    public const string PayloadTooLarge = Base + "payload-too-large";
    public const string RateLimited = Base + "rate-limited";
    public const string Unavailable = Base + "unavailable";
    public const string Internal = Base + "internal";
    public const string BadRequest = Base + "bad-request";

    public static string ForStatus(int status) => status switch
    {
        StatusCodes.Status400BadRequest => BadRequest,
        StatusCodes.Status401Unauthorized => Unauthorized,
        StatusCodes.Status403Forbidden => Forbidden,
        StatusCodes.Status404NotFound => NotFound,
        StatusCodes.Status409Conflict => Conflict,
        StatusCodes.Status413PayloadTooLarge => PayloadTooLarge,
        StatusCodes.Status429TooManyRequests => RateLimited,
        StatusCodes.Status503ServiceUnavailable => Unavailable,
        >= 500 => Internal,
        _ => BadRequest,
    };

    /// <summary>Gives every Problem Details response a stable type and never leaks exception details.</summary>
    internal static void Stamp(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var status = problem.Status ?? context.HttpContext.Response.StatusCode;
        if (string.IsNullOrEmpty(problem.Type) || problem.Type.StartsWith("https://tools.ietf.org/", StringComparison.Ordinal))
        {
            problem.Type = ForStatus(status);
        }

        problem.Extensions.Remove("exception");
        // An unexpected failure's detail could carry an exception message; a deliberate 5xx such as "unavailable,
        // retry later" was written for the client and keeps its words.
        if (status >= 500 && problem.Type == Internal)
        {
            problem.Detail = "An unexpected error occurred. The trace id identifies it in the logs.";
        }

        problem.Extensions["traceId"] = System.Diagnostics.Activity.Current?.TraceId.ToString() ?? context.HttpContext.TraceIdentifier;
    }

    public static ProblemDetails Create(int status, string title, string? detail = null, string? type = null) => new()
    {
        Status = status,
        Title = title,
        Detail = detail,
        Type = type ?? ForStatus(status),
    };
}
