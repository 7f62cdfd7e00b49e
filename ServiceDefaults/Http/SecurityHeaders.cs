using Microsoft.AspNetCore.Http;

namespace Platform.ServiceDefaults.Http;

/// <summary>Headers for JSON APIs that no browser should render, frame or send referrers from.</summary>
public static class SecurityHeaders
{
    public static void Apply(IHeaderDictionary headers, bool isHttps)
    {
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers.ContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-store";
        if (isHttps)
        {
            headers.StrictTransportSecurity = "max-age=31536000; includeSubDomains";
        }
    }
}
