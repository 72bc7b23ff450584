/** A failure the user should read, announced to assistive technology (`role="alert"`); nothing without a message. */
export function Alert({ message }: { message: string | null | undefined }) {
  return message ? (
    <p class="alert" role="alert">
      {message}
    </p>
  ) : null;
}
