/** The text of the mails the service sends. */
export function passwordResetMail(
  appName: string,
  link: string,
): { subject: string; text: string } {
  return {
    subject: `Reset your ${appName} password`,
    text: `Someone asked to reset the password of your ${appName} account.\n\nTo choose a new password, open this link within 30 minutes:\n\n${link}\n\nIf this was not you, ignore this mail: your password stays as it is.\n`,
  };
}

export function verificationMail(appName: string, link: string): { subject: string; text: string } {
  return {
    subject: `Confirm your e-mail address for ${appName}`,
    text: `Welcome to ${appName}.\n\nTo confirm this e-mail address, open this link within 24 hours:\n\n${link}\n\nIf you did not create an account, ignore this mail.\n`,
  };
}
