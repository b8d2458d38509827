namespace Dilemma.Grains.Interfaces.Accounts;

/// <summary>
/// A single-use WebSocket ticket, keyed by the ticket string, so that a long-lived token need
/// not travel in a URL. Any gateway may redeem a ticket another gateway issued.
/// </summary>
public interface IWsTicketGrain : IGrainWithStringKey
{
    /// <summary>Binds this ticket to a user for <paramref name="lifetime"/>.</summary>
    Task IssueAsync(WsTicketHolder holder, TimeSpan lifetime);

    /// <summary>The holder the first time within the lifetime; null afterwards or when expired.</summary>
    Task<WsTicketHolder?> RedeemAsync();
}

/// <summary>
/// Who a WebSocket ticket stands for, and the sign-in (<c>sid</c>) of the access token it was issued to: a ticket of a
/// sign-in revoked since opens no socket. Null for a token minted before access tokens named their sign-in.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.ws-ticket-holder")]
public sealed record WsTicketHolder(
    [property: Id(0)] long UserId,
    [property: Id(1)] string Username,
    [property: Id(2)] bool IsGuest,
    [property: Id(3)] string? SignInId = null);
