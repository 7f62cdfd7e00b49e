using k8s.Models;
using Platform.AppHost.Model;

namespace Platform.AppHost.Publishing.Kubernetes;

/// <summary>
/// Every secret and connection string lives in a Secret (never a ConfigMap or a plain env value). The values are
/// placeholders that name what the operator must supply; docs/deploy.md says how.
/// </summary>
internal static class Secrets
{
    public const string ConnectionStrings = "platform-connection-strings";
    public const string PlaceholderPrefix = "REPLACE-ME:";

    public static string Of(ServiceResource service) => $"{service.Name}-secrets";

    public static IEnumerable<V1Secret> All()
    {
        yield return Secret(ConnectionStrings, Labels.Platform, new Dictionary<string, string>
        {
            [PlatformModel.Postgres] = $"{PlaceholderPrefix} Host=<host>;Port=5432;Database={PlatformModel.DatabaseName};Username=<user>;Password=<password>;SSL Mode=VerifyFull",
            [PlatformModel.Redis] = $"{PlaceholderPrefix} <host>:6379,password=<password>,ssl=true",
        });

        foreach (var service in PlatformModel.Services.Where(s => s.Secrets.Count > 0))
        {
            yield return Secret(Of(service), service.Name, service.Secrets.ToDictionary(s => s.Parameter, s => Placeholder(s.Parameter)));
        }
    }

    /// <summary>
    /// Credentials that a text placeholder would make usable: the same published text would be the admin key, or the
    /// service key of every deployment that forgot to replace it.
    /// </summary>
    private static readonly HashSet<string> LeftEmpty = [PlatformModel.AdminKeyParameter, PlatformModel.ServiceKeyParameter];

    /// <summary>
    /// The credentials in <see cref="LeftEmpty"/> start empty, which fails safe: an empty admin key disables the
    /// bootstrap admin key, and with an empty service key Auth refuses every internal call (and logs why) until the
    /// operator sets one. The other placeholders make startup fail.
    /// </summary>
    private static string Placeholder(string parameter) => LeftEmpty.Contains(parameter)
        ? ""
        : $"{PlaceholderPrefix} {PlatformModel.Parameters.Single(p => p.Name == parameter).Description}";

    private static V1Secret Secret(string name, string owner, Dictionary<string, string> values) => new()
    {
        ApiVersion = "v1",
        Kind = "Secret",
        Metadata = new V1ObjectMeta { Name = name, Labels = Labels.Of(owner, "secret") },
        Type = "Opaque",
        StringData = values,
    };
}
