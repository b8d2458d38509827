using Microsoft.IdentityModel.Tokens;

namespace Dilemma.Gateway.Accounts;

/// <summary>
/// A correctly signed, unexpired access token whose sign-in has been revoked: the bearer challenge answers it with its
/// own code, so a client knows that refreshing will not help and signs the user out.
/// </summary>
public sealed class SignInRevokedException : SecurityTokenException
{
    public const string Code = "token_revoked";

    public const string Detail = "This sign-in has ended (signed out, or its refresh token was used twice); sign in again.";

    public SignInRevokedException()
        : base("The access token's sign-in has been revoked.")
    {
    }

    public SignInRevokedException(string message)
        : base(message)
    {
    }

    public SignInRevokedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
