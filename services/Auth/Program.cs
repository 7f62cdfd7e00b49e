using Platform.Auth.Account;
using Platform.Auth.Apis;
using Platform.Auth.Extensions;
using Platform.Auth.OAuth;
using Platform.Auth.People;
using Scalar.AspNetCore;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Http;

namespace Platform.Auth;

/// <summary>Entry point; public so integration tests can host the service with WebApplicationFactory.</summary>
public sealed class Program
{
    private Program()
    {
    }

    public static async Task<int> Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);

        builder.AddServiceDefaults();
        builder.AddApplicationServices();

        var app = builder.Build();

        app.UseHttpHygiene();
        app.UsePlatformCors("/oauth/token", "/oauth/register", "/.well-known/oauth-authorization-server", "/.well-known/openid-configuration", "/.well-known/jwks.json");
        app.UseOAuthServer();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();

        app.MapDefaultEndpoints();
        app.MapAdminApi();
        app.MapPeopleAdminApi();
        app.MapAccountApi();
        app.MapVerificationApi();
        app.MapOAuthApi();
        app.MapOpenApi().AllowAnonymous();
        app.MapScalarApiReference().AllowAnonymous();

        return await app.RunServiceAsync(args).ConfigureAwait(false);
    }
}
