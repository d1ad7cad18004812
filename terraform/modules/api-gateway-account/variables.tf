variable "tags" {
  description = "Tags added to the role."
  type        = map(string)
  default     = {}
}
