import { errorMessage } from './errors';

/**
 * Why a file operation failed, as a short phrase to follow the file's name and a colon ("no such
 * file or folder", "a symbolic link loop", ...), rather than Node's `ENOENT: no such file or
 * directory, stat '/the/path'` (the path said twice) or, worse, a stack trace.
 */
export function fileErrorReason(error: unknown): string {
  switch ((error as NodeJS.ErrnoException | undefined)?.code) {
    case 'ENOENT':
      return 'no such file or folder';
    case 'ELOOP':
      return 'a symbolic link loop';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'a part of the path is not a folder';
    case 'EISDIR':
      return 'a folder, not a file';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EROFS':
      return 'a read-only file system';
    default:
      return errorMessage(error);
  }
}
