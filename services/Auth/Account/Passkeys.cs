using System.Text;
using Fido2NetLib;
using Fido2NetLib.Objects;
using Marten;
using Microsoft.Extensions.Options;
using Platform.Auth.People;

namespace Platform.Auth.Account;

/// <summary>
/// A passkey (WebAuthn credential) of a person. Its public key is not a secret, but it lives beside the person's other
/// credentials rather than in an event: the signature counter changes at every use.
/// </summary>
public sealed class Passkey
{
    /// <summary>The credential id, base64url.</summary>
    public string Id { get; set; } = "";
    public string PersonId { get; set; } = "";
    public byte[] PublicKey { get; set; } = [];
    public uint SignCount { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
}

/// <summary>A WebAuthn ceremony in progress: the options (with their challenge) sent to the browser, usable once, for 5 minutes.</summary>
public sealed class PasskeyCeremony
{
    public const string Registration = "registration";
    public const string Assertion = "assertion";

    public string Id { get; set; } = "";
    public string Kind { get; set; } = "";
    public string? PersonId { get; set; }
    public string OptionsJson { get; set; } = "";
    public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>
/// Fido2 for Auth's public address: the relying party id is the host of <c>Auth:People:PublicBaseUrl</c> (else the
/// issuer, Auth's service URL, the request's), and only that origin is accepted in a ceremony.
/// </summary>
public sealed class PasskeyRelyingParty(IOptionsMonitor<PeopleOptions> options, IConfiguration configuration)
{
    public static readonly TimeSpan CeremonyLifetime = TimeSpan.FromMinutes(5);

    public IFido2 For(HttpContext http)
    {
        var origin = new Uri(InviteMemberEndpoint.PublicBaseUrl(http, options.CurrentValue, configuration));
        var originText = origin.GetLeftPart(UriPartial.Authority);
        return new Fido2(new Fido2Configuration
        {
            RPID = origin.Host,
            RPName = "Platform",
            Origins = new HashSet<string>(StringComparer.Ordinal) { originText },
            Timeout = (uint)CeremonyLifetime.TotalMilliseconds,
        });
    }

    public static byte[] UserHandleOf(string personId) => Encoding.UTF8.GetBytes(personId);

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static Fido2User UserOf(Member member) => new() { Id = UserHandleOf(member.Id), Name = member.Email, DisplayName = member.DisplayName };

    public static AuthenticatorSelection Selection => new()
    {
        ResidentKey = ResidentKeyRequirement.Required,
        UserVerification = UserVerificationRequirement.Preferred,
    };
}
