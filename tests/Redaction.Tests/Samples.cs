namespace Platform.Redaction.Tests;

/// <summary>Secrets and look-alikes shared by the test classes.</summary>
internal static class Samples
{
    // Checksum valid (pinned in Credentials.Tests), so it is exactly what a leaked key looks like.
    public const string ApiKey = "mcp_live_0123456789ABCDEF_abcdefghijklmnopqrstuvwxyzABCDEF0k5tZn";
    public const string ApiKeyWithBadChecksum = "mcp_live_0123456789ABCDEF_abcdefghijklmnopqrstuvwxyzABCDEF000000";
    public const string OtherPrefixKey = "acme_test_ZYXWVUTSRQPONMLK_0123456789abcdefghijABCDEFGHIJ01234567";
    public const string AdminKey = "mcp_admin_Zm9vYmFyYmF6cXV4LWtleS1fX3NlY3JldA-_x7Q9";
    public const string Jwt =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
    public const string Jwe =
        "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..MB66qstZBPxAXKdsjet_lA.WHbtJTl4taHp7otOHLq3hBvv0yNPsPEKHYInmCPdDDeyV1kU-f-tGEiU4FxlSqkqAT2hVs8_fMNiQ.6ZNDWQgf3_6NX5ZWo7O7Ng";
    public const string Email = "alice.smith+tag@example.co.uk";
    public const string Visa = "4111111111111111";
}
