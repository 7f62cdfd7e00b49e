using Microsoft.AspNetCore.Http;

namespace Platform.ServiceDefaults.Http;

/// <summary>Headers for JSON APIs that no browser should render, frame or send referrers from.</summary>
public static class SecurityHeaders
{
    /// <summary>The API reference page (Scalar) is the one HTML page; it loads only its own bundled assets.</summary>
    public const string ReferencePagePath = "/scalar";

    public static void Apply(IHeaderDictionary headers, bool isHttps, PathString path = default)
    {
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers.ContentSecurityPolicy = path.StartsWithSegments(ReferencePagePath)
            ? "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'"
            : "default-src 'none'; frame-ancestors 'none'";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-store";
        if (isHttps)
        {
            headers.StrictTransportSecurity = "max-age=31536000; includeSubDomains";
        }
    }
}
