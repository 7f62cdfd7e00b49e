using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Platform.Authentication;

namespace Platform.Testing;

/// <summary>
/// Wiring for tests that host Auth in-process next to another service: the other service's "auth" HTTP client
/// (service discovery name) goes straight to Auth's test server, so verification is real and no port is needed.
/// </summary>
public static class InProcessAuth
{
    /// <summary>The service credential of the in-process platform: Auth requires it, the calling service presents it, as deployed.</summary>
    public const string ServiceKey = "svc_in-process-test-service-key-0123456789ab";

    /// <summary>Auth's settings: its database, a bootstrap admin key that the test uses as admin, and the service key.</summary>
    public static Dictionary<string, string?> Settings(string database, string adminKey) => new()
    {
        ["ConnectionStrings:postgres"] = database,
        ["Auth:BootstrapAdminKey"] = adminKey,
        [ServiceCredential.ConfigurationKey] = ServiceKey,
    };

    public static Action<IServiceCollection> RouteAuthClientTo<TAuthProgram>(WebApplicationFactory<TAuthProgram> auth)
        where TAuthProgram : class =>
        services => services.AddHttpClient("auth").ConfigurePrimaryHttpMessageHandler(() => auth.Server.CreateHandler());
}
