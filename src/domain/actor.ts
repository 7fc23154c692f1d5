/** Who acts: a staff name or an API token's name; the phone when known. */
export interface Actor {
  name: string;
  phone?: string;
}
