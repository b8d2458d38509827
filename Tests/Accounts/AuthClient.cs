using System.Net.Http.Headers;
using Dilemma.Tests.Hosting;

namespace Dilemma.Tests.Accounts;

/// <summary>What every sign-in answers.</summary>
public sealed record TokenPair(string AccessToken, string RefreshToken, string TokenType, int ExpiresIn, long UserId, string Username, bool IsGuest, string? GuestId = null);

public sealed record Me(long UserId, string Username, string? Email, bool IsGuest, bool DataConsent, bool VoiceConsent, string[] Roles);

/// <summary>Sign-up and sign-in steps that many tests share.</summary>
public static class AuthClient
{
    public static string UniqueName(string prefix = "u") => $"{prefix}_{Guid.NewGuid():N}"[..24];

    public static async Task<TokenPair> RegisterAsync(this HttpClient client, string username, string password, CancellationToken cancellationToken, bool dataConsent = true)
    {
        var response = await client.PostJsonAsync("/auth/register", new { username, password, data_consent = dataConsent, voice_consent = false }, cancellationToken);
        return await HttpAssert.OkAsync<TokenPair>(response, System.Net.HttpStatusCode.Created);
    }

    public static async Task<TokenPair> GuestAsync(this HttpClient client, CancellationToken cancellationToken, string? guestId = null, string? nickname = null)
    {
        var response = await client.PostJsonAsync("/auth/guest", new { guest_id = guestId, nickname }, cancellationToken);
        return await HttpAssert.OkAsync<TokenPair>(response);
    }

    public static HttpRequestMessage Authorized(HttpMethod method, string path, string accessToken, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return request;
    }

    public static Task<HttpResponseMessage> GetMeAsync(this HttpClient client, string accessToken, CancellationToken cancellationToken) =>
        client.SendAsync(Authorized(HttpMethod.Get, "/auth/me", accessToken), cancellationToken);
}
