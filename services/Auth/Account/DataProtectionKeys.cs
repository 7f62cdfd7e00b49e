using System.Xml.Linq;
using Marten;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Platform.Auth.Account;

/// <summary>One Data Protection key, as the XML the key manager writes.</summary>
public sealed class DataProtectionKey
{
    public string Id { get; set; } = "";
    public string Xml { get; set; } = "";
}

/// <summary>
/// Data Protection's key ring in Auth's schema, so that every replica decrypts what another encrypted: session
/// cookies, antiforgery tokens, second-factor tickets and TOTP secrets.
/// </summary>
internal sealed class MartenXmlRepository(IDocumentStore store) : IXmlRepository
{
    // The key manager's interface is synchronous and Marten 9 is asynchronous only, so this blocks: the key manager reads
    // the ring at first use and then about once a day per process, never per request.
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var session = store.QuerySession();
        var keys = session.Query<DataProtectionKey>().ToListAsync().GetAwaiter().GetResult();
        return [.. keys.Select(k => XElement.Parse(k.Xml))];
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var session = store.LightweightSession();
        session.Store(new DataProtectionKey { Id = friendlyName, Xml = element.ToString(SaveOptions.DisableFormatting) });
        // As above: a new key is written about once in 90 days.
        session.SaveChangesAsync().GetAwaiter().GetResult();
    }
}

internal static class DataProtectionRegistration
{
    public const string ApplicationName = "platform-auth";

    public static void AddSharedDataProtection(this IHostApplicationBuilder builder)
    {
        builder.Services.AddDataProtection().SetApplicationName(ApplicationName);
        builder.Services.AddOptions<KeyManagementOptions>().Configure<IServiceProvider>((options, services) =>
            options.XmlRepository = new MartenXmlRepository(services.GetRequiredService<IDocumentStore>()));
    }
}
