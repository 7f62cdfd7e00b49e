using System.Net;
using System.Net.Http.Json;
using Platform.Contracts.Auth;
using Platform.Authentication;
using Platform.Testing;

namespace Platform.Auth.Tests;

/// <summary>
/// Key verification answers only the platform's own services: without the service credential a caller inside the
/// network cannot use it to test API keys.
/// </summary>
public sealed class ServiceCredentialTests(AuthApp app, PlatformInfrastructure infrastructure) : IClassFixture<AuthApp>
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("svc_wrong")]
    [InlineData(AuthApp.ServiceKey + "x")]
    public async Task Verification_without_the_right_service_credential_is_refused_and_reveals_nothing(string? presented)
    {
        var tenant = await app.CreateTenantAsync();
        var issued = await app.IssueKeyAsync(tenant.Id);
        using var client = app.Host.CreateClient();
        if (presented is not null)
        {
            client.DefaultRequestHeaders.TryAddWithoutValidation(ServiceCredential.HeaderName, presented);
        }

        using var response = await client.PostAsJsonAsync("/internal/keys/verify", new VerifyKeyRequest(issued.Key, "127.0.0.1"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.DoesNotContain(tenant.Id, body, StringComparison.Ordinal);
        Assert.DoesNotContain(issued.ApiKey.KeyId, body, StringComparison.Ordinal);
        Assert.Equal(VerificationStatus.Valid, (await app.VerifyAsync(issued.Key)).Status);
    }

    [Fact]
    public async Task Outside_development_an_unconfigured_service_key_refuses_every_call()
    {
        var settings = AuthApp.Settings(await infrastructure.NewDatabaseAsync("auth_prod"));
        settings.Remove(ServiceCredential.ConfigurationKey);
        await using var host = new ServiceHost<Program>(settings) { Environment = "Production" };
        using var client = host.CreateClient();
        client.DefaultRequestHeaders.Add(ServiceCredential.HeaderName, AuthApp.ServiceKey);

        using var response = await client.PostAsJsonAsync("/internal/keys/verify", new VerifyKeyRequest("mcp_live_anything", "127.0.0.1"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
