using Dilemma.Grains.Interfaces.Accounts;
using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Text;

namespace Dilemma.Grains.Accounts;

/// <summary>The account rules themselves; the gateway only checks shape before it calls.</summary>
internal static class AccountValidation
{
    public static void ThrowIfInvalid(Registration registration)
    {
        var username = registration.Username;
        if (username.Length is < AccountRules.UsernameMinLength or > AccountRules.UsernameMaxLength || !AccountRules.UsernamePattern().IsMatch(username))
        {
            throw RuleViolationException.Invalid(
                "invalid_username",
                "username",
                $"A username has {AccountRules.UsernameMinLength} to {AccountRules.UsernameMaxLength} letters, digits, '_', '.' or '-'.");
        }

        if (registration.Password.Length < AccountRules.PasswordMinLength)
        {
            throw RuleViolationException.Invalid("password_too_short", "password", $"A password has at least {AccountRules.PasswordMinLength} characters.");
        }

        if (AccountRules.PasswordByteCount(registration.Password) > AccountRules.PasswordMaxBytes)
        {
            throw RuleViolationException.Invalid("password_too_long", "password", $"A password has at most {AccountRules.PasswordMaxBytes} bytes in UTF-8 (bcrypt reads no more).");
        }

        if (registration.Email is { } email && (email.Length > AccountRules.EmailMaxLength || !AccountRules.EmailPattern().IsMatch(email)))
        {
            throw RuleViolationException.Invalid("invalid_email", "email", "The email address is not valid.");
        }
    }

    public static void ThrowIfInvalidGuest(string? guestId, string? nickname)
    {
        if (guestId is not null && (guestId.Length is 0 or > AccountRules.GuestIdMaxLength || !AccountRules.GuestIdPattern().IsMatch(guestId)))
        {
            throw RuleViolationException.Invalid("invalid_guest_id", "guest_id", $"A guest id has 1 to {AccountRules.GuestIdMaxLength} letters, digits, '_' or '-'.");
        }

        ThrowIfInvalidNickname(nickname);
    }

    public static void ThrowIfInvalidNickname(string? nickname)
    {
        if (nickname is not null && (nickname.Length is 0 || nickname.Length > AccountRules.NicknameMaxLength || DisplayText.IsUnfit(nickname)))
        {
            throw RuleViolationException.Invalid("invalid_nickname", "nickname", $"A nickname has 1 to {AccountRules.NicknameMaxLength} characters, {DisplayText.Rule}.");
        }
    }
}
